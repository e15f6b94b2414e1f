import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../../gateway/log.js";
import { Store, type OutboxCursor, type OutboxItem } from "../../gateway/store/store.js";
import { MqttSender } from "../../gateway/upstream/mqtt-sender.js";
import { commandCenter, type Delivery } from "./command-center.js";
import { waitFor } from "../support/mqtt.js";
import { TcpGate } from "./gate.js";
import { freePort, Mosquitto } from "../support/mosquitto.js";

const log = createLogger("silent");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const READINGS = 500;
const WINDOW = 10;

/** Reading n: every 25th an alarm, every 100th from 60 a retained status, the rest traffic. */
function kindOf(n: number): string {
  if (n % 25 === 0) return "alarm";
  if (n % 100 === 60) return "status";
  return "traffic";
}

/** An outbox under test, its cursor wrapped to record where the sender moves it. */
interface Fixture {
  cursor: OutboxCursor;
  /** every position the sender committed, in order */
  commits: number[];
  add(n: number): void;
  depth(): number;
  close(): void;
}

function recording(cursor: OutboxCursor, commits: number[]): OutboxCursor {
  return {
    read: (after, limit) => cursor.read(after, limit),
    commit: (id) => {
      commits.push(id);
      cursor.commit(id);
    },
    position: () => cursor.position(),
  };
}

/** The smallest outbox a sender can drain: an array, oldest first, and one position. */
function memoryFixture(): Fixture {
  let rows: OutboxItem[] = [];
  let position = 0;
  let nextId = 1;
  const commits: number[] = [];
  const cursor: OutboxCursor = {
    read: (after, limit) => rows.filter((r) => r.id > after).slice(0, limit),
    commit: (id) => {
      position = Math.max(position, id);
      rows = rows.filter((r) => r.id > position);
    },
    position: () => position,
  };
  return {
    cursor: recording(cursor, commits),
    commits,
    add(n) {
      const kind = kindOf(n);
      rows.push({ id: nextId++, topic: `pantau/v1/smg-pemuda-01/101/${kind}`, payload: JSON.stringify({ id: `urn:test:101:1:${n}`, n }), alarm: kind === "alarm", createdAt: Date.now() });
    },
    depth: () => rows.length,
    close: () => undefined,
  };
}

/** The real SQLite store: readings committed as the pipeline commits them, each offered upstream. */
function storeFixture(dir: string): Fixture {
  const store = Store.open({ file: join(dir, "gateway.db") });
  store.outboxConsumers(["mqtt"]);
  const commits: number[] = [];
  return {
    cursor: recording(store.outboxCursor("mqtt"), commits),
    commits,
    add(n) {
      const kind = kindOf(n);
      const now = Date.now();
      store.commit([{
        deviceId: 101, boot: 1, seq: n, type: kind === "alarm" ? "floodAlarm" : "loopInterval", kind,
        topic: `pantau/v1/smg-pemuda-01/101/${kind}`, payload: JSON.stringify({ id: `urn:test:101:1:${n}`, n }),
        observedAt: now, receivedAt: now, alarm: kind === "alarm",
      }]);
    },
    depth: () => store.outboxDepth().rows,
    close: () => store.close(),
  };
}

let dir: string;
const cleanups: Array<() => unknown> = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pantau-upstream-"));
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

describe.each([
  ["an in-memory outbox", "SIGTERM", () => memoryFixture()],
  ["the SQLite store's outbox", "SIGKILL", () => storeFixture(dir)],
] as const)("MQTT sender over %s: Mosquitto stopped (%s) mid-stream and restarted", (name, signal, makeFixture) => {
  it("holds the outbox while the broker is away and drains it in order, nothing lost, without a sender restart", async () => {
    const fx = makeFixture();
    cleanups.push(() => fx.close());
    const port = await freePort();
    const broker = new Mosquitto(port, dir);
    await broker.start();
    cleanups.push(() => broker.stop());
    const gate = new TcpGate(port);
    await gate.start();
    cleanups.push(() => gate.close());
    const cc = await commandCenter(`mqtt://127.0.0.1:${port}`);
    cleanups.push(() => cc.client.endAsync(true));

    const sender = new MqttSender(
      { url: `mqtt://127.0.0.1:${gate.port}`, clientId: `pantau-gw-test-${process.pid}`, topicPrefix: "cc", window: WINDOW, reconnectMs: 200, pollMs: 250 },
      fx.cursor,
      log,
    );
    const events: string[] = [];
    sender.on("connected", () => events.push("connected"));
    sender.on("disconnected", () => events.push("disconnected"));
    sender.start();
    cleanups.push(() => sender.stop());
    await waitFor("sender connected", () => sender.stats().connected);

    // the gateway commits readings in small batches and notifies the sender after each
    let maxInFlight = 0;
    const started = Date.now();
    const producing = (async () => {
      for (let n = 0; n < READINGS; n++) {
        fx.add(n);
        sender.notify();
        maxInFlight = Math.max(maxInFlight, sender.stats().inFlight);
        if (n % 5 === 4) await sleep(8);
      }
    })();

    await waitFor("150 readings at the command center", () => cc.unique() >= 150);
    gate.open = false;
    await broker.stop(signal);
    const stoppedAt = Date.now();
    await waitFor("sender notices the outage", () => !sender.stats().connected);
    const forwardedAtStop = sender.stats().forwarded;
    const receivedAtStop = cc.unique();
    await producing;
    await sleep(1000);

    // the outbox held everything not acknowledged; nothing went anywhere meanwhile
    const held = fx.depth();
    expect(held).toBe(READINGS - (fx.commits.at(-1) ?? 0));
    expect(held).toBeGreaterThanOrEqual(READINGS - receivedAtStop - WINDOW);
    expect(sender.stats().forwarded).toBe(forwardedAtStop);
    expect(sender.stats().lastError).toMatch(/closed|ECONNRESET|ECONNREFUSED/);

    // same port, fresh broker (no persistence): the command center resubscribes before the path to the sender opens
    const restartedAt = Date.now();
    await broker.start();
    await waitFor("command center resubscribed", () => cc.subscribedAt() > restartedAt);
    gate.open = true;
    const reopenedAt = Date.now();
    await waitFor("the whole stream at the command center", () => cc.unique() === READINGS && fx.depth() === 0, 20_000);
    const drainedAt = Date.now();

    // nothing lost, in order, duplicates only from the window in flight when the broker died
    const firstSeen: number[] = [];
    const seen = new Set<number>();
    for (const d of cc.got) {
      if (!seen.has(d.n)) firstSeen.push(d.n);
      seen.add(d.n);
    }
    expect(firstSeen).toEqual(Array.from({ length: READINGS }, (_, n) => n));
    const duplicates = cc.got.length - READINGS;
    expect(duplicates).toBeLessThanOrEqual(WINDOW);
    expect(cc.got.filter((d) => d.topic.endsWith("/alarm")).length - duplicates).toBeLessThanOrEqual(READINGS / 25);
    expect(new Set(cc.got.filter((d) => d.topic.endsWith("/alarm")).map((d) => d.n)).size).toBe(READINGS / 25);
    expect(cc.got.every((d) => d.topic.startsWith("cc/pantau/v1/smg-pemuda-01/101/"))).toBe(true);

    // the cursor moved forward only, over messages PUBACKed in id order, to the last one
    expect(fx.commits.at(-1)).toBe(READINGS);
    expect(fx.commits.every((id, i) => i === 0 || id > fx.commits[i - 1]!)).toBe(true);
    expect(maxInFlight).toBeLessThanOrEqual(WINDOW);
    expect(sender.stats()).toMatchObject({ connected: true, forwarded: READINGS, inFlight: 0 });
    expect(events).toEqual(["connected", "disconnected", "connected"]);

    // status went upstream retained: a late subscriber gets the last one at once
    const late = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
    cleanups.push(() => late.endAsync(true));
    const retained: Delivery[] = [];
    late.on("message", (topic, payload, packet) => retained.push({ n: (JSON.parse(payload.toString()) as { n: number }).n, topic, retain: packet.retain }));
    await late.subscribeAsync("cc/pantau/v1/+/+/status", { qos: 1 });
    await waitFor("retained status", () => retained.length > 0);
    expect(retained).toEqual([{ n: 460, topic: "cc/pantau/v1/smg-pemuda-01/101/status", retain: true }]);

    console.info(
      `[upstream ${name}, ${signal}] ${READINGS} readings, ${receivedAtStop} before the stop ` +
        `(${Math.round((stoppedAt - started) / 10) / 100} s), ${held} held over a ${Math.round((restartedAt - stoppedAt) / 10) / 100} s outage, ` +
        `drained in ${drainedAt - reopenedAt} ms after the path reopened; ${duplicates} duplicate(s) at the subscriber`,
    );
  });
});

/** A CA, a server cert for 127.0.0.1 and a client cert, with openssl. */
function makeCerts(at: string): { ca: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string } {
  const p = (name: string) => join(at, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "ignore" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl("req", "-x509", ...ec, "-keyout", p("ca.key"), "-out", p("ca.crt"), "-days", "1", "-subj", "/CN=pantau-test-ca");
  writeFileSync(p("san.ext"), "subjectAltName=IP:127.0.0.1\n");
  for (const who of ["server", "client"]) {
    openssl("req", ...ec, "-keyout", p(`${who}.key`), "-out", p(`${who}.csr`), "-subj", `/CN=pantau-${who}`);
    openssl("x509", "-req", "-in", p(`${who}.csr`), "-CA", p("ca.crt"), "-CAkey", p("ca.key"), "-CAcreateserial", "-out", p(`${who}.crt`), "-days", "1", "-extfile", p("san.ext"));
  }
  return { ca: p("ca.crt"), serverCert: p("server.crt"), serverKey: p("server.key"), clientCert: p("client.crt"), clientKey: p("client.key") };
}

const hasOpenssl = (() => {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasOpenssl)("MQTT sender: TLS, credentials, prefix, polling", () => {
  it("forwards over mqtts with a client certificate and a password, resumes once the account exists, polls", async () => {
    const certs = makeCerts(dir);
    const passwd = join(dir, "passwd");
    execFileSync("mosquitto_passwd", ["-b", "-c", passwd, "command-center", "cc-pass"], { stdio: "ignore" });
    const port = await freePort();
    const broker = new Mosquitto(port, dir, [
      `cafile ${certs.ca}`, `certfile ${certs.serverCert}`, `keyfile ${certs.serverKey}`, "require_certificate true",
      "allow_anonymous false", `password_file ${passwd}`,
    ]);
    await broker.start();
    cleanups.push(() => broker.stop());
    const url = `mqtts://127.0.0.1:${port}`;
    const cc = await commandCenter(url, {
      username: "command-center", password: "cc-pass",
      ca: readFileSync(certs.ca), cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey),
    });
    cleanups.push(() => cc.client.endAsync(true));

    // the gateway's account is not provisioned upstream yet: refused, retried, nothing leaves the outbox
    const fx = memoryFixture();
    for (let n = 0; n < 5; n++) fx.add(n);
    const sender = new MqttSender(
      {
        url, clientId: "pantau-gw-north", username: "gateway-north", password: "s3cret-north", topicPrefix: "city/north/",
        tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey }, reconnectMs: 100, pollMs: 100,
      },
      fx.cursor,
      log,
    );
    sender.start();
    cleanups.push(() => sender.stop());
    await waitFor("refused", () => /refused/i.test(sender.stats().lastError ?? ""));
    await sleep(300);
    expect(sender.stats()).toMatchObject({ connected: false, forwarded: 0 });
    expect(fx.depth()).toBe(5);

    execFileSync("mosquitto_passwd", ["-b", passwd, "gateway-north", "s3cret-north"], { stdio: "ignore" });
    broker.reload();
    await waitFor("sender connected over TLS", () => sender.stats().connected, 5000);
    for (let n = 5; n < 25; n++) fx.add(n); // no notify(): the poll finds them
    await waitFor("25 readings", () => cc.got.length >= 25 && fx.depth() === 0);
    expect(cc.got.map((d) => d.n)).toEqual(Array.from({ length: 25 }, (_, n) => n));
    expect(cc.got[0]!.topic).toBe("city/north/pantau/v1/smg-pemuda-01/101/alarm");
    expect(fx.commits.at(-1)).toBe(25);
    expect(fx.commits.every((id, i) => i === 0 || id > fx.commits[i - 1]!)).toBe(true);
  });

  it("refuses a broker whose certificate the configured CA did not sign", async () => {
    const certs = makeCerts(dir);
    const other = mkdtempSync(join(tmpdir(), "pantau-otherca-"));
    cleanups.push(() => rmSync(other, { recursive: true, force: true }));
    const stranger = makeCerts(other);
    const port = await freePort();
    const broker = new Mosquitto(port, dir, [`certfile ${certs.serverCert}`, `keyfile ${certs.serverKey}`, "allow_anonymous true"]);
    await broker.start();
    cleanups.push(() => broker.stop());
    const fx = memoryFixture();
    fx.add(0);
    const sender = new MqttSender({ url: `mqtts://127.0.0.1:${port}`, clientId: "pantau-gw-pinned", tls: { ca: stranger.ca }, reconnectMs: 100 }, fx.cursor, log);
    sender.start();
    cleanups.push(() => sender.stop());
    await waitFor("a TLS error", () => sender.stats().lastError);
    expect(sender.stats().lastError).toMatch(/certificate/i);
    expect(sender.stats().connected).toBe(false);
    expect(fx.depth()).toBe(1);
  });
});

describe("MQTT sender: configuration", () => {
  it("refuses a topic prefix with an MQTT wildcard, which would get every publish refused", () => {
    const fx = memoryFixture();
    for (const topicPrefix of ["city/+", "city/#", "a\0b"]) {
      expect(() => new MqttSender({ url: "mqtt://127.0.0.1:1", topicPrefix }, fx.cursor, log)).toThrow(/must not contain \+, # or NUL/);
    }
    expect(() => new MqttSender({ url: "mqtt://127.0.0.1:1", topicPrefix: "city/north/" }, fx.cursor, log)).not.toThrow();
  });
});
