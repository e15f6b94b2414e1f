// Disk per stored reading: realistic normalized readings committed as the pipeline commits them,
// measured as the store file's used pages (indexes and outbox included) per reading. Two cases:
// the command center away (the outbox holds every message) and an upstream sender caught up.
// Beside them, in the same run, the same readings in the previous format (store v5: JSON text,
// five indexes), and that file converted in place by today's Store.open.
// Run alone with `node dist/bench/disk.js [dir]`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import type { AnyEnvelope } from "../shared/envelope.js";
import { normalize } from "../gateway/normalize/index.js";
import { topicFor } from "../gateway/publish/publisher.js";
import { Registry, type DeviceEntry } from "../gateway/registry/registry.js";
import { migrate, MIGRATIONS } from "../gateway/store/migrations.js";
import { Store, type ReadingRecord } from "../gateway/store/store.js";

const DEVICES = 100;
const READINGS = 20_000;
const BATCH = 50;
/** The last schema that kept readings as JSON text. */
const V5 = 5;

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

interface Measure {
  bytesPerReading: number;
  /** per table and index (dbstat), bytes per reading */
  parts: Record<string, number>;
}

/** Used pages per reading, and how they split between the tables and indexes. */
function measureFile(file: string): Measure {
  const db = new Database(file, { readonly: true });
  try {
    const used = ((db.pragma("page_count", { simple: true }) as number) - (db.pragma("freelist_count", { simple: true }) as number)) *
      (db.pragma("page_size", { simple: true }) as number);
    const parts: Record<string, number> = {};
    for (const { name, bytes } of db.prepare<[], { name: string; bytes: number }>("SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC").all()) {
      const perReading = Math.round(bytes / READINGS);
      if (perReading > 0) parts[name] = perReading;
    }
    return { bytesPerReading: Math.round(used / READINGS), parts };
  } finally {
    db.close();
  }
}

function commitAll(commit: (batch: ReadingRecord[]) => void, start: number): number {
  let payloadBytes = 0;
  for (let n = 0; n < READINGS; n += BATCH) {
    const batch = Array.from({ length: BATCH }, (_, i) => record(n + i, start));
    payloadBytes += batch.reduce((sum, r) => sum + Buffer.byteLength(r.payload), 0);
    commit(batch);
  }
  return Math.round(payloadBytes / READINGS);
}

function measure(drained: boolean, dir: string, start: number): Measure & { payloadBytes: number } {
  const file = join(dir, `disk-${drained}.db`);
  const store = Store.open({ file });
  if (drained) store.outboxConsumers(["mqtt"]);
  const cursor = store.outboxCursor("mqtt");
  const payloadBytes = commitAll((batch) => {
    store.commit(batch);
    if (drained) cursor.commit(Math.max(...store.outboxPeek(BATCH).map((m) => m.id)));
  }, start);
  store.close();
  return { ...measureFile(file), payloadBytes };
}

/** The same readings as store v5 kept them (its commit's two inserts), then that file opened by today's Store. */
function measureV5(dir: string, start: number): { before: Measure; converted: Measure; convertUsPerReading: number } {
  const file = join(dir, "disk-v5.db");
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  migrate(db, MIGRATIONS.slice(0, V5));
  const reading = db.prepare(
    `INSERT INTO readings (device_id, boot, seq, type, kind, topic, payload, observed_at, received_at, alarm)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (device_id, boot, seq) DO NOTHING`,
  );
  const message = db.prepare("INSERT INTO messages (reading_id, alarm, created_at) VALUES (?, ?, ?)");
  const commit = db.transaction((batch: ReadingRecord[]) => {
    for (const r of batch) {
      const id = reading.run(r.deviceId, r.boot, r.seq, r.type, r.kind, r.topic, r.payload, r.observedAt, r.receivedAt, r.alarm ? 1 : 0).lastInsertRowid;
      message.run(id, r.alarm ? 1 : 0, r.receivedAt);
    }
  });
  commitAll(commit, start);
  db.close();
  const before = measureFile(file);
  const t0 = performance.now();
  Store.open({ file }).close();
  const convertUsPerReading = ((performance.now() - t0) * 1000) / READINGS;
  return { before, converted: measureFile(file), convertUsPerReading };
}

export function benchDisk(dir = tmpdir()): Record<string, number> {
  const folder = mkdtempSync(join(dir, "pantau-bench-disk-"));
  try {
    const start = Date.now();
    const v5 = measureV5(folder, start);
    const away = measure(false, folder, start);
    const caughtUp = measure(true, folder, start);
    console.log(`\ndisk: ${READINGS} loop readings from ${DEVICES} devices, batches of ${BATCH}, used pages per reading (indexes and outbox included)`);
    console.log("| case | store v5 (JSON text, five indexes) | now |\n|---|---|---|");
    console.log(`| command center away: every message waiting in the outbox | ${v5.before.bytesPerReading} | ${away.bytesPerReading} |`);
    console.log(`| upstream sender caught up | | ${caughtUp.bytesPerReading} |`);
    console.log(`| the v5 file converted in place at start (${v5.convertUsPerReading.toFixed(0)} µs per reading) | | ${v5.converted.bytesPerReading} |`);
    console.log(`(the normalized JSON payload alone: ${away.payloadBytes} bytes)`);
    console.log("\nwhere the bytes go, command center away (dbstat, bytes per reading)\n| table or index | v5 | now |\n|---|---|---|");
    for (const name of new Set([...Object.keys(away.parts), ...Object.keys(v5.before.parts)])) {
      console.log(`| ${name} | ${v5.before.parts[name] ?? ""} | ${away.parts[name] ?? ""} |`);
    }
    return {
      "disk.awayBytesPerReading": away.bytesPerReading,
      "disk.caughtUpBytesPerReading": caughtUp.bytesPerReading,
      "disk.v5AwayBytesPerReading": v5.before.bytesPerReading,
      "disk.convertedBytesPerReading": v5.converted.bytesPerReading,
      "disk.convertUsPerReading": Math.round(v5.convertUsPerReading),
      "disk.payloadBytes": away.payloadBytes,
    };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchDisk(process.argv[2]);
}
