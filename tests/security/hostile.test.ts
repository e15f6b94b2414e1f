// Hostile clients against the real broker: oversize packets before and after login, floods of
// connections that never log in, and password guessing, serial and in parallel.

import { connect as netConnect, type Socket } from "node:net";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UserConfig } from "../../gateway/security/config.js";
import { registerSecurityMetrics } from "../../gateway/security/metrics.js";
import { waitFor } from "../support/mqtt.js";
import { closed, connackCode, connect, connectFrom, FAST_COST, PASSWORDS, record, startSecureBroker, testUsers, type SecureBroker } from "./broker.js";

let users: UserConfig[];
beforeAll(async () => {
  users = await testUsers(FAST_COST);
});

/** A raw TCP connection from a given loopback address, resolved once connected. */
function rawSocket(port: number, localAddress = "127.0.0.1"): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: "127.0.0.1", port, localAddress }, () => resolve(socket));
    socket.once("error", reject);
  });
}

/** The fixed header of a PUBLISH declaring `length` bytes to follow (MQTT 3.1.1 §2.2). */
function publishHeader(length: number): Buffer {
  const bytes = [0x30];
  do {
    let byte = length % 128;
    length = Math.floor(length / 128);
    if (length > 0) byte |= 0x80;
    bytes.push(byte);
  } while (length > 0);
  return Buffer.from(bytes);
}

/** Streams a body of up to `total` bytes until the peer closes; returns the bytes written. */
async function streamUntilClosed(socket: Socket, total: number): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let sent = 0;
  let gone = false;
  socket.once("close", () => (gone = true));
  socket.on("error", () => (gone = true));
  while (sent < total && !gone) {
    const ok = socket.write(chunk);
    sent += chunk.length;
    if (!ok) await new Promise<void>((resolve) => {
      const done = () => resolve();
      socket.once("drain", done);
      socket.once("close", done);
    });
  }
  return sent;
}

describe("packet size limit", () => {
  let broker: SecureBroker;
  beforeAll(async () => {
    broker = await startSecureBroker({ users });
  });
  afterAll(() => broker.close());

  it("closes a client that declares a 100 MB PUBLISH before CONNECT as soon as the header arrives, while others are served", async () => {
    const watcher = await connect(broker.url, { username: "center", password: PASSWORDS.center });
    const seen = record(watcher);
    await watcher.subscribeAsync("pantau/raw/#", { qos: 1 });
    const rssBefore = process.memoryUsage().rss;

    const attacker = await rawSocket(broker.listeners.ports.tcp, "127.0.0.2");
    attacker.write(publishHeader(100 * 1024 * 1024));
    const streaming = streamUntilClosed(attacker, 100 * 1024 * 1024);
    // a device is served while the attack runs
    const device = await connect(broker.url, { username: "7", password: PASSWORDS.dev7 });
    await device.publishAsync("pantau/raw/7", "during-attack", { qos: 1 });
    const sent = await streaming;

    // closed after at most a few socket buffers, not after 100 MB
    expect(sent).toBeLessThan(8 * 1024 * 1024);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(50 * 1024 * 1024);
    expect(broker.stats.closed.oversize).toBe(1);
    await waitFor("the device's publish", () => seen.find((m) => m.payload === "during-attack"));
    await device.endAsync();
    await watcher.endAsync();
  });

  it("closes a logged-in client whose packet is over the limit, and keeps one just under it", async () => {
    const before = broker.stats.closed.oversize;
    const center = await connect(broker.url, { username: "center", password: PASSWORDS.center });
    const topic = "pantau/v1/s/7/command";
    // 64 KiB in all: fixed header (1 + 3 bytes), topic (2 + length), packet id (2), payload
    const fits = 64 * 1024 - 4 - (2 + topic.length) - 2;
    await center.publishAsync(topic, Buffer.alloc(fits, 0x62), { qos: 1 });
    expect(center.connected).toBe(true);
    const gone = closed(center);
    center.publish(topic, Buffer.alloc(50 * 1024 * 1024, 0x62), { qos: 0 });
    await gone;
    expect(broker.stats.closed.oversize - before).toBe(1);
    center.end(true);
  });
});

describe("connections that never log in", () => {
  let broker: SecureBroker;
  beforeAll(async () => {
    broker = await startSecureBroker({ users, limits: { maxPendingConnections: 50, connectTimeoutMs: 1500 } });
  });
  afterAll(() => broker.close());

  it("holds at most maxPendingConnections of 1,000 idle ones, closes the rest by their connect timeout, and still lets a real client in", async () => {
    const sockets: Socket[] = [];
    const closedAt: number[] = [];
    const start = Date.now();
    let peak = 0;
    for (let i = 0; i < 1000; i++) {
      const socket = await rawSocket(broker.listeners.ports.tcp, "127.0.0.2");
      socket.on("error", () => undefined);
      socket.once("close", () => closedAt.push(Date.now() - start));
      sockets.push(socket);
      peak = Math.max(peak, broker.stats.pending());
      if (i === 500) {
        // a real client from elsewhere, in the middle of the flood
        const crew = await connectFrom("127.0.0.3", broker.url, { username: "crew", password: PASSWORDS.crew });
        expect(crew.connected).toBe(true);
        await crew.endAsync();
      }
    }
    expect(peak).toBeLessThanOrEqual(50);
    await waitFor("every idle connection closed", () => closedAt.length === 1000, 10_000);
    expect(broker.stats.closed.pendingEvicted).toBe(950);
    expect(broker.stats.closed.connectTimeout).toBe(50);
    // the last ones went at the connect timeout, not aedes' default 30 s
    expect(Math.max(...closedAt)).toBeLessThan(10_000);
    expect(broker.stats.pending()).toBe(0);
    const registry = new Registry();
    registerSecurityMetrics(registry, broker.stats);
    const text = await registry.metrics();
    expect(text).toContain('pantau_mqtt_closed_total{reason="pendingEvicted"} 950');
    expect(text).toContain('pantau_mqtt_closed_total{reason="connectTimeout"} 50');
    expect(text).toContain("pantau_mqtt_pending_connections 0");
  });
});

describe("password guessing", () => {
  let broker: SecureBroker;
  beforeAll(async () => {
    broker = await startSecureBroker({ users });
  });
  afterAll(() => broker.close());

  it("slows a guesser down exponentially, refusing unchecked during the wait, while other users log in", async () => {
    let checked = 0;
    let waited = 0;
    const until = Date.now() + 4000;
    while (Date.now() < until) {
      const code = await connackCode(broker.url, { username: "center", password: `guess-${checked + waited}` }, "127.0.0.2");
      if (code === 4) checked += 1;
      else if (code === 3) waited += 1;
      else throw new Error(`unexpected CONNACK ${code}`);
    }
    // 3 failures answered at once, then waits of 1 s and 2 s: at most 5 checks in 4 s
    expect(checked).toBeGreaterThanOrEqual(3);
    expect(checked).toBeLessThanOrEqual(5);
    expect(broker.stats.refused.credentials).toBe(checked);
    expect(broker.stats.refused.backoff).toBe(waited);
    const registry = new Registry();
    registerSecurityMetrics(registry, broker.stats);
    const text = await registry.metrics();
    expect(text).toContain(`pantau_mqtt_refused_total{reason="credentials"} ${checked}`);
    expect(text).toContain(`pantau_mqtt_refused_total{reason="backoff"} ${waited}`);
    // during the wait even the right password is not checked, from the guesser's address or another
    expect(await connackCode(broker.url, { username: "center", password: PASSWORDS.center }, "127.0.0.2")).toBe(3);
    expect(await connackCode(broker.url, { username: "center", password: PASSWORDS.center }, "127.0.0.4")).toBe(3);
    // another user from another address is not held up
    expect(await connackCode(broker.url, { username: "crew", password: PASSWORDS.crew }, "127.0.0.3")).toBe(0);
  });

  it("keeps a parallel flood from one address from refusing a user elsewhere as busy", async () => {
    const flood = Promise.all(Array.from({ length: 40 }, (_, i) => connackCode(broker.url, { username: `nobody-${i}`, password: "x" }, "127.0.0.5")));
    await waitFor("the flood's logins under way", () => broker.stats.refused.busy > 0);
    expect(await connackCode(broker.url, { username: "7", password: PASSWORDS.dev7 }, "127.0.0.6")).toBe(0);
    const codes = await flood;
    expect(codes.every((c) => c === 3 || c === 4)).toBe(true);
    expect(codes.filter((c) => c === 4).length).toBeLessThanOrEqual(4);
  });
});
