import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UserConfig } from "../../gateway/security/config.js";
import { waitFor } from "../support/mqtt.js";
import { closed, connackCode, connect, FAST_COST, grantedQos, PASSWORDS, record, startSecureBroker, testUsers } from "./broker.js";
import type { SecureBroker } from "./broker.js";

let users: UserConfig[];
beforeAll(async () => {
  users = await testUsers(FAST_COST);
});

/** Back-to-back QoS 0 publishes on the device's own raw topic. */
function flood(client: MqttClient, count: number): void {
  for (let i = 0; i < count; i++) client.publish("pantau/raw/7", `frame-${i}`, { qos: 0 });
}

describe("publish rate limit", () => {
  let broker: SecureBroker;
  let watcher: MqttClient;
  let seen: Array<{ topic: string; payload: string }>;

  beforeAll(async () => {
    broker = await startSecureBroker({ users, limits: { publish: { ratePerSecond: 2, burst: 10, disconnectAfterDrops: 0 } } });
    watcher = await connect(broker.url, { username: "center", password: PASSWORDS.center });
    seen = record(watcher);
    await grantedQos(watcher, "pantau/raw/#");
  });
  afterAll(async () => {
    await watcher.endAsync();
    await broker.close();
  });

  it("passes the burst, drops the rest of a flood and counts the drops, keeping the client", async () => {
    const device = await connect(broker.url, { username: "7", password: PASSWORDS.dev7 });
    flood(device, 200);
    await waitFor("every publish passed or dropped", () => seen.length + broker.stats.rateLimited.dropped >= 200);
    // the burst, plus at most what 2/s refills while the flood is processed
    expect(seen.length).toBeGreaterThanOrEqual(10);
    expect(seen.length).toBeLessThanOrEqual(12);
    expect(seen.slice(0, 10).map((m) => m.payload)).toEqual(Array.from({ length: 10 }, (_, i) => `frame-${i}`));
    expect(broker.stats.rateLimited.dropped).toBe(200 - seen.length);
    expect(device.connected).toBe(true);

    // a dropped QoS 1 publish is still acknowledged, so the client does not resend it forever
    await device.publishAsync("pantau/raw/7", "qos1-over-limit", { qos: 1 });
    expect(seen.some((m) => m.payload === "qos1-over-limit")).toBe(false);

    // the bucket refills at the configured rate
    await new Promise((r) => setTimeout(r, 600));
    await device.publishAsync("pantau/raw/7", "after-refill", { qos: 1 });
    await waitFor("publish after refill", () => seen.find((m) => m.payload === "after-refill"));
    await device.endAsync();
  });
});

describe("a client that keeps flooding", () => {
  let broker: SecureBroker;
  beforeAll(async () => {
    broker = await startSecureBroker({ users, limits: { publish: { ratePerSecond: 1, burst: 5, disconnectAfterDrops: 20 } } });
  });
  afterAll(() => broker.close());

  it("is disconnected once its drops exceed disconnectAfterDrops, and the rest of its flood goes nowhere", async () => {
    const watcher = await connect(broker.url, { username: "center", password: PASSWORDS.center });
    const seen = record(watcher);
    await grantedQos(watcher, "pantau/#");
    const device = await connect(broker.url, { username: "7", password: PASSWORDS.dev7 });
    const gone = closed(device);
    flood(device, 100);
    await gone;
    expect(broker.stats.rateLimited.disconnected).toBe(1);
    expect(broker.stats.rateLimited.dropped).toBe(20);
    await watcher.publishAsync("pantau/v1/s/7/command", "barrier", { qos: 1 });
    await waitFor("barrier", () => seen.find((m) => m.payload === "barrier"));
    expect(seen.filter((m) => m.topic === "pantau/raw/7").length).toBeLessThanOrEqual(6);
    await watcher.endAsync();
  });
});

describe("connection limits", () => {
  let broker: SecureBroker;
  const open: MqttClient[] = [];
  beforeAll(async () => {
    broker = await startSecureBroker({ users, limits: { maxConnections: 3, maxConnectionsPerUser: 2 } });
  });
  afterAll(async () => {
    await Promise.all(open.map((c) => c.endAsync(true)));
    await broker.close();
  });

  const crew = (clientId: string) => ({ username: "crew", password: PASSWORDS.crew, clientId });

  it("refuses a user's connection beyond maxConnectionsPerUser with CONNACK 5", async () => {
    open.push(await connect(broker.url, crew("crew-a")), await connect(broker.url, crew("crew-b")));
    expect(await connackCode(broker.url, crew("crew-c"))).toBe(5);
    expect(broker.stats.refused.maxConnectionsPerUser).toBe(1);
  });

  it("lets a client replace its own connection (same client id) at the limit", async () => {
    const replaced = open[0]!;
    const gone = closed(replaced);
    open.push(await connect(broker.url, crew("crew-a")));
    await gone;
    await waitFor("old connection untracked", () => broker.stats.connections() === 2);
  });

  it("refuses any connection beyond maxConnections with CONNACK 3", async () => {
    open.push(await connect(broker.url, { username: "center", password: PASSWORDS.center }));
    expect(await connackCode(broker.url, { username: "7", password: PASSWORDS.dev7 })).toBe(3);
    expect(broker.stats.refused.maxConnections).toBe(1);
  });

  it("admits again once a connection closes", async () => {
    await open.pop()!.endAsync();
    await waitFor("a free slot", () => broker.stats.connections() === 2);
    expect(await connackCode(broker.url, { username: "7", password: PASSWORDS.dev7 })).toBe(0);
  });
});
