// Gateway pipeline throughput: verified, normalized, committed, published and acked frames per
// second, with the durable store at FULL and NORMAL sync and with acks on and off, against an
// in-memory store for reference. The frames are real envelopes from 50 devices.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Aedes } from "aedes";
import { encodeFrame } from "../shared/envelope.js";
import { ackFrame } from "../gateway/downlink/ack.js";
import { createLogger } from "../gateway/log.js";
import { Pipeline, type ReadingStore } from "../gateway/pipeline/pipeline.js";
import { Outlet, type OutletStore } from "../gateway/publish/outlet.js";
import { Publisher } from "../gateway/publish/publisher.js";
import { Registry, type DeviceEntry } from "../gateway/registry/registry.js";
import { Store, type Synchronous } from "../gateway/store/store.js";

const DEVICES = 50;
const FRAMES = 5000;

const entries: DeviceEntry[] = Array.from({ length: DEVICES }, (_, i) => ({
  id: 1000 + i, role: "loop", key: (i + 16).toString(16).repeat(16).slice(0, 32), site: "bench", name: `bench ${i}`,
  location: { lat: -6.98, lon: 110.41 }, lanes: [{ lane: 0 }],
}));
const registry = new Registry(entries);

function frames(): Uint8Array[] {
  const t = Math.floor(Date.now() / 1000);
  return Array.from({ length: FRAMES }, (_, n) => {
    const device = registry.get(1000 + (n % DEVICES))!;
    const body = { lane: 0, intervalS: 60, volume: 23, occupancyPermille: 142, speedKmh: 47, lengthDm: 46, classes: [4, 15, 3, 1], headwayDs: 26 };
    return encodeFrame({ type: "loopInterval", deviceId: device.id, boot: 1, seq: Math.floor(n / DEVICES), timeS: t, body }, device.keyBytes);
  });
}

/** The reference: what the pipeline costs with nothing durable underneath. */
class MemoryStore implements ReadingStore, OutletStore {
  private readonly seen = new Set<string>();
  private queued = 0;
  commit(batch: { deviceId: number; boot: number; seq: number }[]) {
    const inserted = batch.map((r) => {
      const key = `${r.deviceId}:${r.boot}:${r.seq}`;
      if (this.seen.has(key)) return false;
      this.seen.add(key);
      return true;
    });
    return { inserted };
  }
  loadReplayWindows() {
    return [];
  }
  outboxEnqueue(entries: readonly unknown[]): number[] {
    return entries.map(() => ++this.queued);
  }
}

async function run(label: string, store: ReadingStore & OutletStore, acks: boolean): Promise<[string, number]> {
  const aedes = await Aedes.createBroker();
  const pipeline = new Pipeline(registry, store, new Outlet(store, new Publisher(aedes)), createLogger("silent"));
  let acked = 0;
  if (acks) pipeline.on("ack", (req) => { acked += ackFrame(req).length > 0 ? 1 : 0; });
  const input = frames();
  const started = process.hrtime.bigint();
  // frames arrive as from many links at once: all in flight, batched by the pipeline
  const outcomes = await Promise.all(input.map((f) => pipeline.handleFrame(f, { source: "bench" })));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await new Promise<void>((r) => aedes.close(() => r()));
  const accepted = outcomes.filter((o) => o === "accepted").length;
  if (accepted !== FRAMES || (acks && acked !== FRAMES)) throw new Error(`${label}: ${accepted} accepted, ${acked} acked of ${FRAMES}`);
  return [label, Math.round(FRAMES / seconds)];
}

export async function benchPipeline(dir = tmpdir()): Promise<Record<string, number>> {
  const results: Record<string, number> = {};
  const cases: [string, Synchronous | "memory", boolean][] = [
    ["store FULL + acks", "full", true],
    ["store NORMAL + acks", "normal", true],
    ["store FULL, no acks", "full", false],
    ["memory store + acks", "memory", true],
    ["memory store, no acks", "memory", false],
  ];
  console.log(`\npipeline: ${FRAMES} frames from ${DEVICES} devices (verify, normalize, commit, publish, ack)`);
  console.log("| case | frames/s |\n|---|---|");
  for (const [label, mode, acks] of cases) {
    const folder = mkdtempSync(join(dir, "pantau-bench-pipeline-"));
    const store = mode === "memory" ? new MemoryStore() : Store.open({ file: join(folder, "bench.db"), synchronous: mode });
    try {
      const [name, rate] = await run(label, store, acks);
      results[`pipeline.${name}.framesPerSec`] = rate;
      console.log(`| ${name} | ${rate} |`);
    } finally {
      if (store instanceof Store) store.close();
      rmSync(folder, { recursive: true, force: true });
    }
  }
  return results;
}
