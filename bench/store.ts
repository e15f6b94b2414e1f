// Store commit throughput: batches of 1, 10 and 100 readings with synchronous=FULL and NORMAL.
// Run alone with `node dist/bench/store.js [dir]`; the folder should be on the disk the gateway's
// data folder lives on (fsync cost is the whole point), default the OS temp folder.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Store, type ReadingRecord, type Synchronous } from "../gateway/store/store.js";

const BATCHES = [1, 10, 100] as const;
const MODES: readonly Synchronous[] = ["full", "normal"];
/** Three short runs per case, the median reported: the machine is shared with other work. */
const RUNS = 3;
const RUN_MS = 500;

/** The size of a real normalized traffic message. */
const PAYLOAD = JSON.stringify({
  id: "urn:ngsi-ld:TrafficFlowObserved:smg-pemuda-01:101:0", type: "TrafficFlowObserved", laneId: 0,
  laneDirection: "forward", intensity: 23, occupancy: 0.142, averageVehicleSpeed: 47, averageVehicleLength: 4.6,
  averageHeadwayTime: 2.6, dateObserved: "2026-11-23T03:00:00.000Z", dateObservedFrom: "2026-11-23T02:59:00.000Z",
  dateObservedTo: "2026-11-23T03:00:00.000Z", roadName: "Jl. Pemuda", timeSource: "device",
});

function reading(seq: number, now: number): ReadingRecord {
  return {
    deviceId: 100 + (seq % 50), boot: 1, seq, type: "loopInterval", kind: "traffic",
    topic: `pantau/v1/smg-pemuda-01/${100 + (seq % 50)}/traffic`, payload: PAYLOAD,
    observedAt: now, receivedAt: now, alarm: false,
  };
}

function measure(file: string, synchronous: Synchronous, batchSize: number): number {
  const store = Store.open({ file, synchronous });
  const seen = new Uint8Array(128);
  let seq = 0;
  let commits = 0;
  const commitOnce = () => {
    const now = Date.now();
    const batch = Array.from({ length: batchSize }, () => reading(seq++, now));
    const last = batch[batch.length - 1]!;
    // every commit also saves the sender's replay window, as the gateway does
    store.commit(batch, [{ deviceId: last.deviceId, boot: 1, top: last.seq, seen }]);
  };
  for (let i = 0; i < 20; i++) commitOnce();
  const start = performance.now();
  let elapsed = 0;
  do {
    commitOnce();
    commits++;
    elapsed = performance.now() - start;
  } while (elapsed < RUN_MS);
  store.close();
  return (commits * 1000) / elapsed;
}

/** Commits per second for each mode and batch size; prints a table and returns the figures. */
export async function benchStore(dir = tmpdir()): Promise<Record<string, number>> {
  const work = mkdtempSync(join(dir, "pantau-bench-store-"));
  const results: Record<string, number> = {};
  const rows: string[] = [];
  try {
    for (const mode of MODES) {
      for (const batch of BATCHES) {
        const runs = Array.from({ length: RUNS }, (_, i) => measure(join(work, `${mode}-${batch}-${i}.db`), mode, batch));
        const perSec = runs.sort((a, b) => a - b)[RUNS >> 1] ?? 0;
        results[`store.${mode}.batch${batch}.commitsPerSec`] = Math.round(perSec);
        results[`store.${mode}.batch${batch}.readingsPerSec`] = Math.round(perSec * batch);
        rows.push(`${mode.padEnd(6)} ${String(batch).padStart(5)} ${fmt(perSec)} ${fmt(perSec * batch)} ${(1000 / perSec).toFixed(3).padStart(9)}`);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`store commits (${dir})\nsync   batch  commits/s readings/s  ms/commit\n${rows.join("\n")}`);
  return results;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString("en-US").padStart(10);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchStore(process.argv[2]);
}
