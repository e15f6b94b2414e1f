// Health alarms leave through the gateway's one outlet: stored for upstream, published, and
// offered to the upstream senders at once, with the same device fields as every message.

import { join } from "node:path";
import { Writable } from "node:stream";
import { Aedes, type AedesPublishPacket } from "aedes";
import { pino } from "pino";
import { afterAll, expect, it } from "vitest";
import { DeviceHealth } from "../../gateway/health/device-health.js";
import { HealthReporter } from "../../gateway/health/health-reporter.js";
import { createLogger } from "../../gateway/log.js";
import { outputValidator } from "../../gateway/normalize/schemas.js";
import { Outlet } from "../../gateway/publish/outlet.js";
import { Publisher } from "../../gateway/publish/publisher.js";
import { Registry } from "../../gateway/registry/registry.js";
import { Store } from "../../gateway/store/store.js";
import { TEST_DEVICES } from "../support/fleet.js";
import { tempDir } from "../support/temp.js";

const T0 = Date.UTC(2026, 10, 23, 3, 0, 0);
const store = Store.open({ file: join(tempDir("pantau-reporter-"), "pantau.db") });
let aedes: Aedes | undefined;
afterAll(async () => {
  await new Promise<void>((r) => (aedes ? aedes.close(() => r()) : r()));
  store.close();
});

it("stores, publishes and offers upstream a health alarm, with the unit's road and direction", async () => {
  aedes = await Aedes.createBroker();
  const published: AedesPublishPacket[] = [];
  await new Promise<void>((r) => aedes!.subscribe("pantau/v1/#", (packet, done) => { published.push(packet); done(); }, r));
  const outlet = new Outlet(store, new Publisher(aedes));
  let offered = 0;
  outlet.onQueued(() => offered++);
  const registry = new Registry(TEST_DEVICES);
  const reporter = new HealthReporter(registry, new DeviceHealth(registry.all(), { startedAt: T0 }), outlet, createLogger("silent"));

  await reporter.tick(T0 + 3_600_000);

  const alarms = published.filter((p) => p.topic.endsWith("/alarm"));
  expect(alarms.map((p) => p.topic).sort()).toEqual([
    "pantau/v1/smg-kali-semarang-02/103/alarm", "pantau/v1/smg-pemuda-01/101/alarm", "pantau/v1/smg-pemuda-01/102/alarm",
  ]);
  const loop = JSON.parse(alarms.find((p) => p.topic.endsWith("/101/alarm"))!.payload.toString()) as Record<string, unknown>;
  expect(outputValidator("alarm")(loop), JSON.stringify(outputValidator("alarm").errors)).toBe(true);
  expect(loop).toMatchObject({ alarmType: "deviceOffline", deviceId: 101, roadName: "Jl. Pemuda", direction: "northbound", timeSource: "gateway" });
  // the same bytes wait in the outbox, as alarms (kept longest), and the senders were told
  const queued = store.outboxPeek(10);
  expect(queued.map((q) => q.payload).sort()).toEqual(alarms.map((p) => p.payload.toString()).sort());
  expect(queued.every((q) => q.alarm)).toBe(true);
  expect(offered).toBe(3);
});

it("stores what one tick says about many units in one transaction, in the order said, then publishes it", async () => {
  // a transaction per message (an fsync each) held the event loop for seconds at a tick that
  // found hundreds of units changed, and every ack waited behind it
  const units = 40;
  const registry = new Registry(Array.from({ length: units }, (_, i) => ({ ...TEST_DEVICES[0]!, id: 1000 + i })));
  const transactions: number[] = [];
  const counted = { outboxEnqueue: (entries: Parameters<Store["outboxEnqueue"]>[0]) => (transactions.push(entries.length), store.outboxEnqueue(entries)) };
  const local = await Aedes.createBroker();
  /** each message published, with the transactions stored by then */
  const published: { topic: string; stored: number }[] = [];
  await new Promise<void>((r) => local.subscribe("pantau/v1/#", (packet, done) => { published.push({ topic: packet.topic, stored: transactions.length }); done(); }, r));
  try {
    const reporter = new HealthReporter(registry, new DeviceHealth(registry.all(), { startedAt: T0 }), new Outlet(counted, new Publisher(local)), createLogger("silent"));
    // a unit whose status was seen gets a fresh status beside its alarm
    for (const d of registry.all()) reporter.decorateStatus(d.id, { kind: "status", payload: { faults: 0 } });
    const before = store.outboxDepth().rows;

    await reporter.tick(T0 + 3_600_000);

    expect(transactions).toEqual([2 * units]);
    const stored = store.outboxPeek(before + 2 * units).slice(before).map((m) => m.topic);
    expect(stored).toEqual(registry.all().flatMap((d) => [`pantau/v1/${d.site}/${d.id}/alarm`, `pantau/v1/${d.site}/${d.id}/status`]));
    // each published once, none before it was stored
    expect(published.map((p) => p.topic).sort()).toEqual([...stored].sort());
    expect(published.every((p) => p.stored === 1)).toBe(true);
  } finally {
    await new Promise<void>((r) => local.close(() => r()));
  }
});

it("logs a unit's alarm on its own line, and many units crossing together in one line that counts them", async () => {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino(new Writable({ write(chunk: Buffer, _enc, done) { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); done(); } }));
  const local = await Aedes.createBroker();
  try {
    const outlet = new Outlet(store, new Publisher(local));
    const few = new Registry(TEST_DEVICES);
    await new HealthReporter(few, new DeviceHealth(few.all(), { startedAt: T0 }), outlet, log).tick(T0 + 3_600_000);
    expect(lines.filter((l) => l.alarmType === "deviceOffline").map((l) => l.deviceId).sort()).toEqual([101, 102, 103]);

    lines.length = 0;
    const many = new Registry(Array.from({ length: 25 }, (_, i) => ({ ...TEST_DEVICES[0]!, id: 2000 + i })));
    await new HealthReporter(many, new DeviceHealth(many.all(), { startedAt: T0 }), outlet, log).tick(T0 + 3_600_000);
    const offline = lines.filter((l) => l.alarmType === "deviceOffline");
    expect(offline).toHaveLength(1);
    expect(offline[0]).toMatchObject({ units: 25, first: [2000, 2001, 2002, 2003, 2004, 2005, 2006, 2007, 2008, 2009] });
    expect(store.outboxPeek(10_000).filter((m) => /\/20\d\d\/alarm$/.test(m.topic))).toHaveLength(25);
  } finally {
    await new Promise<void>((r) => local.close(() => r()));
  }
});
