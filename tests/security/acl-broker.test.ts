import type { MqttClient } from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../support/mqtt.js";
import { closed, connect, FAST_COST, grantedQos, PASSWORDS, record, startSecureBroker, testUsers, type SecureBroker } from "./broker.js";

let broker: SecureBroker;
/** a command-center client subscribed to everything it may read */
let watcher: MqttClient;
let seen: Array<{ topic: string; payload: string }>;
const opened: MqttClient[] = [];

beforeAll(async () => {
  broker = await startSecureBroker({ users: await testUsers(FAST_COST) });
  watcher = await connect(broker.url, { username: "center", password: PASSWORDS.center });
  seen = record(watcher);
  expect(await grantedQos(watcher, "pantau/#")).toBe(1);
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.endAsync(true)));
});

afterAll(async () => {
  await watcher.endAsync();
  await broker.close();
});

type Who = "center" | "crew" | "7" | "sensor-8";
const PASSWORD: Record<Who, string> = { center: PASSWORDS.center, crew: PASSWORDS.crew, "7": PASSWORDS.dev7, "sensor-8": PASSWORDS.dev8 };

async function login(who: Who, clientId?: string, clean = true): Promise<MqttClient> {
  const client = await connect(broker.url, { username: who, password: PASSWORD[who], clean, ...(clientId ? { clientId } : {}) });
  opened.push(client);
  return client;
}

/** Publishes a marker the watcher may see, so anything published before it has been routed too. */
async function barrier(): Promise<void> {
  const center = await login("center");
  const payload = `barrier-${Math.random()}`;
  await center.publishAsync("pantau/v1/barrier/1/command", payload, { qos: 1 });
  await waitFor("barrier", () => seen.some((m) => m.payload === payload));
}

/** A refused publish closes the client's connection (aedes' answer under MQTT 3.1.1). */
async function expectRefusedPublish(client: MqttClient, topic: string): Promise<void> {
  const payload = `forbidden-${Math.random()}`;
  const gone = closed(client);
  client.publish(topic, payload, { qos: 0 });
  await gone;
  await barrier();
  expect(seen.some((m) => m.payload === payload)).toBe(false);
}

function serverPublish(topic: string, payload: string, qos: 0 | 1 = 0): Promise<void> {
  return new Promise((resolve, reject) =>
    broker.aedes.publish({ cmd: "publish", topic, payload: Buffer.from(payload), qos, retain: false, dup: false }, (err) =>
      err ? reject(err) : resolve(),
    ),
  );
}

describe("command-center", () => {
  it("publishes a command and reads everything under pantau/", async () => {
    const center = await login("center");
    const mine = record(center);
    expect(await grantedQos(center, "pantau/#")).toBe(1);
    await center.publishAsync("pantau/v1/smg-01/7/command", '{"op":"reboot"}', { qos: 1 });
    await serverPublish("pantau/v1/smg-01/7/traffic", "reading");
    await serverPublish("pantau/raw/7/down", "downlink");
    await waitFor("all three", () => mine.length >= 3);
    expect(mine.map((m) => m.topic).sort()).toEqual(["pantau/raw/7/down", "pantau/v1/smg-01/7/command", "pantau/v1/smg-01/7/traffic"]);
  });

  it("may not publish a command result, a reading or a raw frame", async () => {
    await expectRefusedPublish(await login("center"), "pantau/v1/smg-01/7/command/result");
    await expectRefusedPublish(await login("center"), "pantau/v1/smg-01/7/traffic");
    await expectRefusedPublish(await login("center"), "pantau/raw/7");
  });

  it("may not subscribe outside pantau/", async () => {
    const center = await login("center");
    expect(await grantedQos(center, "#")).toBe(128);
    expect(await grantedQos(center, "+/v1/#")).toBe(128);
  });

  it("cannot leave a retained command behind: the retain flag is cleared", async () => {
    const center = await login("center");
    await center.publishAsync("pantau/v1/smg-01/7/command", "retained?", { qos: 1, retain: true });
    await barrier();
    const late = await login("center");
    const lateSeen = record(late);
    await grantedQos(late, "pantau/v1/smg-01/7/command");
    await new Promise((r) => setTimeout(r, 100));
    expect(lateSeen).toEqual([]);
  });
});

describe("field-crew", () => {
  it("reads normalized topics", async () => {
    const crew = await login("crew");
    const mine = record(crew);
    expect(await grantedQos(crew, "pantau/v1/#")).toBe(1);
    await serverPublish("pantau/v1/smg-01/7/status", "ok");
    await waitFor("status", () => mine.find((m) => m.topic === "pantau/v1/smg-01/7/status"));
  });

  it("publishing a command is refused and never reaches a subscriber", async () => {
    const before = broker.stats.denied.publish;
    await expectRefusedPublish(await login("crew"), "pantau/v1/smg-01/7/command");
    expect(broker.stats.denied.publish).toBe(before + 1);
  });

  it("subscribing to raw frames, to $SYS or to everything is refused with SUBACK 128", async () => {
    const crew = await login("crew");
    const mine = record(crew);
    expect(await grantedQos(crew, "pantau/raw/#")).toBe(128);
    expect(await grantedQos(crew, "$SYS/#")).toBe(128);
    expect(await grantedQos(crew, "#")).toBe(128);
    await serverPublish("pantau/raw/7", "frame");
    await barrier();
    expect(mine).toEqual([]);
  });

  it("writing to $SYS is refused", async () => {
    await expectRefusedPublish(await login("crew"), "$SYS/pantau-test/heartbeat");
  });
});

describe("device over Wi-Fi", () => {
  it("publishes its own raw topic but not another device's", async () => {
    const dev7 = await login("7");
    await dev7.publishAsync("pantau/raw/7", "envelope-7", { qos: 1 });
    await waitFor("own raw frame", () => seen.find((m) => m.topic === "pantau/raw/7" && m.payload === "envelope-7"));
    await expectRefusedPublish(dev7, "pantau/raw/8");
  });

  it("takes its device id from deviceId when the username is not a number", async () => {
    const dev8 = await login("sensor-8");
    await dev8.publishAsync("pantau/raw/8", "envelope-8", { qos: 1 });
    await waitFor("raw frame of 8", () => seen.find((m) => m.topic === "pantau/raw/8" && m.payload === "envelope-8"));
    await expectRefusedPublish(dev8, "pantau/raw/sensor-8");
  });

  it("has its will checked like a publish", async () => {
    const will = (topic: string, payload: string) => ({
      username: "7",
      password: PASSWORDS.dev7,
      will: { topic, payload: Buffer.from(payload), qos: 0 as const, retain: false },
    });
    const honest = await connect(broker.url, will("pantau/raw/7", "will-own"));
    const forger = await connect(broker.url, will("pantau/raw/8", "will-forged"));
    honest.stream.destroy();
    forger.stream.destroy();
    await waitFor("own will", () => seen.find((m) => m.payload === "will-own"));
    await barrier();
    expect(seen.some((m) => m.payload === "will-forged")).toBe(false);
  });

  it("subscribes only to its own downlink topic", async () => {
    const dev7 = await login("7");
    const mine = record(dev7);
    expect(await grantedQos(dev7, "pantau/raw/7/down")).toBe(1);
    expect(await grantedQos(dev7, "pantau/raw/8/down")).toBe(128);
    expect(await grantedQos(dev7, "pantau/raw/+/down")).toBe(128);
    expect(await grantedQos(dev7, "pantau/v1/#")).toBe(128);
    await serverPublish("pantau/raw/8/down", "not yours");
    await serverPublish("pantau/raw/7/down", "yours");
    await waitFor("own downlink", () => mine.length > 0);
    expect(mine).toEqual([{ topic: "pantau/raw/7/down", payload: "yours" }]);
  });
});

describe("$SYS", () => {
  it("is not writable by any role", async () => {
    const spied: string[] = [];
    const spy = (packet: { payload: Buffer | string }, cb: () => void) => {
      spied.push(packet.payload.toString());
      cb();
    };
    await new Promise<void>((resolve) => broker.aedes.subscribe("$SYS/pantau-test/fake", spy, resolve));
    for (const who of ["center", "crew", "7"] as const) {
      await expectRefusedPublish(await login(who), "$SYS/pantau-test/fake");
    }
    expect(spied).toEqual([]);
  });
});

describe("a persistent session taken over by another user", () => {
  it("delivers nothing the new user may not read", async () => {
    const center = await login("center", "shared-session", false);
    expect(await grantedQos(center, "pantau/raw/#")).toBe(1);
    await center.endAsync();
    await serverPublish("pantau/raw/7", "queued for the center", 1);
    const before = broker.stats.denied;
    const subscribeRefusals = before.subscribe;
    const crew = await login("crew", "shared-session", false);
    const mine = record(crew);
    await barrier();
    await new Promise((r) => setTimeout(r, 100));
    expect(mine).toEqual([]);
    expect(broker.stats.denied.subscribe).toBeGreaterThan(subscribeRefusals);
    expect(broker.stats.denied.forward).toBeGreaterThan(0);
  });
});
