// Disk per stored reading: realistic normalized readings committed as the pipeline commits them,
// measured as the store file's used pages (indexes and outbox included) per reading. Two cases:
// the command center away (the outbox holds every message) and an upstream sender caught up.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AnyEnvelope } from "../shared/envelope.js";
import { normalize } from "../gateway/normalize/index.js";
import { topicFor } from "../gateway/publish/publisher.js";
import { Registry, type DeviceEntry } from "../gateway/registry/registry.js";
import { Store, type ReadingRecord } from "../gateway/store/store.js";

const DEVICES = 100;
const READINGS = 20_000;
const BATCH = 50;

const entries: DeviceEntry[] = Array.from({ length: DEVICES }, (_, i) => ({
  id: 1000 + i, role: "loop", key: (i + 16).toString(16).repeat(16).slice(0, 32), site: "smg-pemuda-01", name: `Jl. Pemuda loop ${i}`,
  location: { lat: -6.98 + i / 1e4, lon: 110.41 }, road: "Jl. Pemuda", direction: "northbound", lanes: [{ lane: 0, direction: "forward" }],
}));
const registry = new Registry(entries);

function record(n: number, start: number): ReadingRecord {
  const device = registry.get(1000 + (n % DEVICES))!;
  const seq = Math.floor(n / DEVICES);
  const timeS = Math.floor(start / 1000) + seq * 60;
  const env = {
    type: "loopInterval", deviceId: device.id, boot: 1, seq, timeS,
    body: { lane: 0, intervalS: 60, volume: 20 + (n % 17), occupancyPermille: 100 + (n % 90), speedKmh: 40 + (n % 20), lengthDm: 46, classes: [4, 15, 3, 1], headwayDs: 26 },
  } as AnyEnvelope;
  const receivedAt = new Date(timeS * 1000 + 300);
  const message = normalize(env, device, receivedAt);
  return {
    deviceId: device.id, boot: 1, seq, type: env.type, kind: message.kind, topic: topicFor(device.site, device.id, message.kind),
    payload: JSON.stringify(message.payload), observedAt: timeS * 1000, receivedAt: receivedAt.getTime(), alarm: false,
  };
}

function measure(drained: boolean, dir: string): { bytesPerReading: number; payloadBytes: number } {
  const store = Store.open({ file: join(dir, `disk-${drained}.db`) });
  if (drained) store.outboxConsumers(["mqtt"]);
  const cursor = store.outboxCursor("mqtt");
  const start = Date.now();
  let payloadBytes = 0;
  for (let n = 0; n < READINGS; n += BATCH) {
    const batch = Array.from({ length: BATCH }, (_, i) => record(n + i, start));
    payloadBytes += batch.reduce((sum, r) => sum + Buffer.byteLength(r.payload), 0);
    store.commit(batch);
    if (drained) cursor.commit(Math.max(...store.outboxPeek(BATCH).map((m) => m.id)));
  }
  const bytesPerReading = Math.round(store.usedBytes() / READINGS);
  store.close();
  return { bytesPerReading, payloadBytes: Math.round(payloadBytes / READINGS) };
}

export function benchDisk(dir = tmpdir()): Record<string, number> {
  const folder = mkdtempSync(join(dir, "pantau-bench-disk-"));
  try {
    const away = measure(false, folder);
    const caughtUp = measure(true, folder);
    console.log(`\ndisk: ${READINGS} loop readings from ${DEVICES} devices, batches of ${BATCH}, used pages per reading (indexes and outbox included)`);
    console.log("| case | bytes per reading |\n|---|---|");
    console.log(`| command center away: every message waiting in the outbox | ${away.bytesPerReading} |`);
    console.log(`| upstream sender caught up | ${caughtUp.bytesPerReading} |`);
    console.log(`(the normalized JSON payload alone: ${away.payloadBytes} bytes)`);
    return { "disk.awayBytesPerReading": away.bytesPerReading, "disk.caughtUpBytesPerReading": caughtUp.bytesPerReading, "disk.payloadBytes": away.payloadBytes };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
