// The NGSI-LD sender against a real HTTP server that checks each request by the NGSI-LD API's
// rules, with the outbox in a real SQLite store: order, headers and body, refusals, an outage
// (errors, then the port closed) and a restart of the sender in the middle of it.

import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { AnyEnvelope } from "../../shared/envelope.js";
import { normalize } from "../../gateway/normalize/index.js";
import { topicFor } from "../../gateway/publish/publisher.js";
import { Registry } from "../../gateway/registry/registry.js";
import { Store } from "../../gateway/store/store.js";
import { DEFAULT_CONTEXT } from "../../gateway/upstream/ngsi-ld-entity.js";
import type { OutboxCursor } from "../../gateway/upstream/consumer.js";
import { NgsiLdSender, type NgsiLdOptions } from "../../gateway/upstream/ngsi-ld.js";
import { SAMPLE_BODIES } from "../support/device.js";
import { expectOfficialModels } from "../support/fiware.js";
import { TEST_DEVICES } from "../support/fleet.js";
import { freePort } from "../support/mosquitto.js";
import { waitFor } from "../support/mqtt.js";
import { keyValues, messageIdOf, NgsiLdBroker, type Expectations } from "../support/ngsi-ld-broker.js";
import { tempDir } from "../support/temp.js";

const registry = new Registry(TEST_DEVICES);
const T0 = Date.UTC(2026, 10, 30, 2, 0, 0) / 1000;

/** Published message n of a street's morning, as the pipeline makes it: every kind, lane 1 for traffic. */
function message(n: number): { topic: string; payload: Record<string, unknown> } {
  const at = { boot: 1, seq: n, timeS: T0 + n * 60 };
  const cycle: AnyEnvelope[] = [
    { type: "loopInterval", deviceId: 101, ...at, body: { ...SAMPLE_BODIES.loopInterval, lane: 1, volume: n } },
    { type: "signStats", deviceId: 102, ...at, body: SAMPLE_BODIES.signStats },
    { type: "floodReport", deviceId: 103, ...at, body: { ...SAMPLE_BODIES.floodReport, levelMm: 1000 + n } },
    { type: "signHistogram", deviceId: 102, ...at, body: SAMPLE_BODIES.signHistogram },
    { type: "floodAlarm", deviceId: 103, ...at, body: SAMPLE_BODIES.floodAlarm },
    { type: "status", deviceId: 101, ...at, body: SAMPLE_BODIES.status },
  ];
  const env = cycle[n % cycle.length]!;
  const device = registry.get(env.deviceId)!;
  const out = normalize(env, device, new Date((env.timeS + 1) * 1000));
  return { topic: topicFor(device.site, device.id, out.kind), payload: out.payload };
}

/** The sender's own cursor in the store's outbox. */
function cursorOver(store: Store): OutboxCursor {
  store.outboxConsumers(["ngsiLd"]);
  return store.outboxCursor("ngsiLd");
}

function recordingLogger(): { log: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: "debug" }, sink), lines };
}

interface Rig {
  broker: NgsiLdBroker;
  store: Store;
  file: string;
  sent: { topic: string; payload: Record<string, unknown> }[];
  sender(extra?: Partial<NgsiLdOptions>, store?: Store): NgsiLdSender;
  logs: Record<string, unknown>[];
}

const opened: { close(): unknown }[] = [];
const senders: NgsiLdSender[] = [];
afterEach(async () => {
  for (const s of senders.splice(0)) await s.stop();
  for (const o of opened.splice(0)) await o.close();
});

const CREDENTIALS = { username: "gw-north", password: "s3cret" };
const EXPECT: Expectations = {
  context: DEFAULT_CONTEXT,
  authorization: `Basic ${Buffer.from("gw-north:s3cret").toString("base64")}`,
  tenant: "semarang",
};

async function rig(count: number): Promise<Rig> {
  const broker = new NgsiLdBroker(await freePort(), EXPECT);
  await broker.start();
  opened.push({ close: () => broker.stop() });
  const file = join(tempDir("pantau-ngsi-"), "pantau.db");
  const store = Store.open({ file });
  opened.push(store);
  const sent = Array.from({ length: count }, (_, n) => message(n));
  store.outboxEnqueue(sent.map((m) => ({ topic: m.topic, payload: JSON.stringify(m.payload), alarm: m.topic.endsWith("/alarm"), createdAt: Date.now() })));
  const { log, lines } = recordingLogger();
  return {
    broker, store, file, sent, logs: lines,
    sender(extra = {}, over = store) {
      const s = new NgsiLdSender({ url: broker.url, tenant: "semarang", ...CREDENTIALS, batchSize: 7, retryMinMs: 20, retryMaxMs: 200, pollMs: 50, ...extra }, cursorOver(over), log);
      senders.push(s);
      return s;
    },
  };
}

/** Accepted entities as the Smart Data Models' key-value messages, on the topic each came from. */
function acceptedMessages(r: Rig) {
  const topicOf = new Map(r.sent.map((m) => [m.payload.messageId as string, m.topic]));
  return r.broker.accepted.map((e) => ({ topic: topicOf.get(messageIdOf(e))!, payload: keyValues(e) }));
}

describe("NGSI-LD sender", () => {
  it("upserts every message in outbox order, with the method, path, headers and body the API requires", async () => {
    const r = await rig(60);
    r.store.outboxEnqueue([{ topic: "pantau/v1/smg-pemuda-01/102/command/result", payload: JSON.stringify({ commandId: 1, state: "applied" }), alarm: false, createdAt: Date.now() }]);
    const sender = r.sender();
    sender.start();
    await waitFor("all delivered", () => sender.stats().delivered === 60);
    await waitFor("outbox settled", () => r.store.outboxDepth().rows === 0);

    expect(r.broker.violations).toEqual([]);
    expect(r.broker.accepted.map(messageIdOf)).toEqual(r.sent.map((m) => m.payload.messageId));
    // nothing lost on the way: the entity reads back as the message, in the model's own form
    expect(acceptedMessages(r).map((m) => m.payload)).toEqual(r.sent.map((m) => m.payload));
    expect(sender.stats()).toMatchObject({ reachable: true, delivered: 60, rejected: 0, skipped: 1, retries: 0 });
    expect(r.broker.requests).toBe(Math.ceil(61 / 7));
    expectOfficialModels("NGSI-LD upserts", acceptedMessages(r));

    const traffic = r.broker.accepted.find((e) => e.type === "TrafficFlowObserved")!;
    expect(traffic.averageVehicleSpeed).toEqual({ type: "Property", value: 47, observedAt: r.sent[0]!.payload.dateObserved, unitCode: "KMH" });
    expect(traffic.location).toMatchObject({ type: "GeoProperty", value: { type: "Point" } });
    expect(traffic.dateObservedFrom).toMatchObject({ type: "Property", value: { "@type": "DateTime" } });
  });

  it("holds the outbox through an outage and a restart of the sender, then delivers each message once, in order", async () => {
    const r = await rig(45);
    r.broker.unavailable = true;
    let sender = r.sender();
    sender.start();
    await waitFor("retrying", () => sender.stats().retries >= 3);
    expect(sender.stats()).toMatchObject({ reachable: false, delivered: 0 });
    expect(sender.stats().lastError).toMatch(/answered 503 .*InternalError/);
    await r.broker.stop(); // the port closes: connection refused from now on
    await waitFor("refused", () => /ECONNREFUSED/.test(sender.stats().lastError ?? ""));
    expect(r.store.outboxDepth().rows).toBe(45);

    // the gateway restarts while the broker is still away: the new sender starts where the old one stopped
    await sender.stop();
    r.store.close();
    const store = Store.open({ file: r.file });
    opened.push(store);
    sender = r.sender({}, store);
    sender.start();
    await waitFor("retrying again", () => sender.stats().retries >= 2);

    r.broker.unavailable = false;
    await r.broker.start();
    await waitFor("all delivered", () => sender.stats().delivered === 45, 15_000);
    expect(r.broker.violations).toEqual([]);
    expect(r.broker.accepted.map(messageIdOf)).toEqual(r.sent.map((m) => m.payload.messageId));
    expect(store.outboxDepth().rows).toBe(0);
    // an outage is logged when it starts or changes, not once per retry: 503, refused, refused after the restart
    expect(r.logs.filter((l) => l.level === 40 && /upsert failed/.test(String(l.msg))).map((l) => l.err)).toEqual([
      expect.stringMatching(/answered 503/), expect.stringMatching(/ECONNREFUSED/), expect.stringMatching(/ECONNREFUSED/),
    ]);
    expect(r.logs.filter((l) => l.msg === "ngsi-ld: broker reachable again; delivering the backlog")).toHaveLength(1);
  });

  it("counts and logs the entities the broker refuses, and delivers the rest in order", async () => {
    const r = await rig(30);
    const inBatch = r.sent[4]!.payload.messageId as string;
    const badAlone = r.sent[17]!.payload.messageId as string;
    r.broker.refuse.add(inBatch);
    r.broker.badRequest.add(badAlone);
    const sender = r.sender();
    sender.start();
    await waitFor("settled", () => r.store.outboxDepth().rows === 0);

    const others = r.sent.map((m) => m.payload.messageId).filter((id) => id !== inBatch && id !== badAlone);
    expect(r.broker.accepted.map(messageIdOf)).toEqual(others);
    expect(sender.stats()).toMatchObject({ delivered: 28, rejected: 2, retries: 0 });
    const refusals = r.logs.filter((l) => l.entityId === r.sent[4]!.payload.id || (typeof l.reason === "string" && l.reason.startsWith("400")));
    expect(refusals).toHaveLength(2);
    expect(refusals.map((l) => l.msg)).toEqual([
      "ngsi-ld: the broker refused an entity update; it stays in the gateway's history",
      "ngsi-ld: message not sent to the context broker; it stays in the gateway's history",
    ]);
  });

  it("refuses a row it cannot read with a clear error, and goes on", async () => {
    const r = await rig(3);
    r.store.outboxEnqueue([{ topic: "pantau/v1/x/1/traffic", payload: "{not json", alarm: false, createdAt: Date.now() }]);
    r.store.outboxEnqueue([{ topic: "pantau/v1/x/1/traffic", payload: JSON.stringify({ id: "no uri", type: "TrafficFlowObserved" }), alarm: false, createdAt: Date.now() }]);
    r.sent.push(message(3));
    r.store.outboxEnqueue([{ topic: r.sent[3]!.topic, payload: JSON.stringify(r.sent[3]!.payload), alarm: false, createdAt: Date.now() }]);
    const sender = r.sender();
    sender.start();
    await waitFor("settled", () => r.store.outboxDepth().rows === 0);
    expect(r.broker.accepted.map(messageIdOf)).toEqual(r.sent.map((m) => m.payload.messageId));
    expect(sender.stats()).toMatchObject({ delivered: 4, rejected: 2 });
    expect(r.logs.filter((l) => l.level === 50).map((l) => l.reason)).toEqual(["the outbox row is not JSON", 'id must be a URI, got "no uri"']);
  });

  it("counts each row once however often its request is retried", async () => {
    const r = await rig(3);
    r.store.outboxEnqueue([{ topic: "pantau/v1/x/1/traffic", payload: "{not json", alarm: false, createdAt: Date.now() }]);
    r.store.outboxEnqueue([{ topic: "pantau/v1/smg-pemuda-01/102/command/result", payload: JSON.stringify({ commandId: 1, state: "applied" }), alarm: false, createdAt: Date.now() }]);
    r.broker.unavailable = true;
    const sender = r.sender();
    sender.start();
    await waitFor("retried", () => sender.stats().retries >= 4);
    r.broker.unavailable = false;
    await waitFor("settled", () => r.store.outboxDepth().rows === 0);
    expect(r.broker.accepted.map(messageIdOf)).toEqual(r.sent.map((m) => m.payload.messageId));
    expect(sender.stats()).toMatchObject({ delivered: 3, rejected: 1, skipped: 1 });
    expect(r.logs.filter((l) => l.reason === "the outbox row is not JSON")).toHaveLength(1);
  });

  it("refuses a broker URL that is not HTTP", () => {
    expect(() => new NgsiLdSender({ url: "mqtt://broker:1883" }, { read: () => [], commit: () => undefined, position: () => 0 }, recordingLogger().log))
      .toThrow("ngsiLd.url must be http:// or https://, got mqtt://broker:1883");
  });
});
