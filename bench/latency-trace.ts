// `npm run bench -- --latency-trace DIR`: the latency section once more, with the gateway
// process probed (bench/latency-probe.ts), and where the time of its slowest frames went:
// getting to the gateway (the feeder's write, socat, the gateway not reading yet), inside it up
// to the live publish, and from the broker to the subscriber; the GC pauses and event-loop
// stalls they overlapped, and for how much of those the gateway's thread ran or only waited for
// a core. Under load the waiting dominates: compare runs by that split, not by their p99.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { latency, throughput, type Latency, type Sample } from "./feed.js";
import { READINGS, writeFleet } from "./fleet.js";
import { startGateway } from "./gateway-process.js";
import type { GcKind, ProbeData } from "./latency-probe.js";
import { ptyPair } from "./pty.js";

const DEVICES = 100;
const PROBE = fileURLToPath(new URL("./latency-probe.js", import.meta.url));

export interface TraceOptions {
  rates: number[];
  seconds: number;
  /** frames sent at once before the paced runs, as the bench's throughput rounds do */
  warmFrames: number;
}

/** Mean ms per frame: written -> read by the gateway -> published live -> at the subscriber. */
export interface Stages {
  toGateway: number;
  inGateway: number;
  toSubscriber: number;
}

export interface Attribution extends Latency {
  /** frames at or above the p99 */
  slow: number;
  stages: { median: Stages; slow: Stages };
  /** slow frames whose way overlapped a GC pause of each kind */
  slowDuringGc: Record<GcKind, number>;
  /** per slow frame, the event-loop stalls (ticks > 1 ms late) its way overlapped: ms the gateway's thread ran, and ms it waited for a core */
  slowStalls: { ranMs: number; waitedMs: number };
  /** over the whole run: count, total ms and longest ms per GC kind */
  gc: Record<GcKind, { count: number; ms: number; maxMs: number }>;
}

const KINDS: GcKind[] = ["minor", "major", "incremental", "weak"];
const round = (n: number): number => Number(n.toFixed(2));

/** Joins the bench's samples with the probe's records of one run, and says where the slow frames' time went. */
export function attribute(latency: Latency, samples: Sample[], probe: ProbeData): Attribution {
  const seen = new Map(probe.frames.map(([read, published, deviceId, seq]) => [`${deviceId}:${seq}`, { read, published }]));
  const frames = samples.map((s) => {
    const g = seen.get(`${s.deviceId}:${s.seq}`);
    if (!g) throw new Error(`the probe saw no publish of device ${s.deviceId} seq ${s.seq}`);
    return { ...s, ...g, total: s.arrivedAt - s.writtenAt };
  }).sort((a, b) => a.total - b.total);
  const start = frames.reduce((m, f) => Math.min(m, f.writtenAt), Infinity);
  const end = frames.reduce((m, f) => Math.max(m, f.arrivedAt), 0);
  const p99 = frames[Math.min(frames.length - 1, Math.ceil(0.99 * frames.length) - 1)]!.total;
  const slow = frames.filter((f) => f.total >= p99);
  const fast = frames.slice(0, Math.ceil(frames.length / 2));
  const stages = (fs: typeof frames): Stages => ({
    toGateway: round(fs.reduce((a, f) => a + f.read - f.writtenAt, 0) / fs.length),
    inGateway: round(fs.reduce((a, f) => a + f.published - f.read, 0) / fs.length),
    toSubscriber: round(fs.reduce((a, f) => a + f.arrivedAt - f.published, 0) / fs.length),
  });
  const during = (from: number, to: number) => <T extends [number, number, ...unknown[]]>(e: T): boolean => e[0] < to && e[0] + e[1] > from;
  const slowDuringGc = Object.fromEntries(KINDS.map((k) => [k, slow.filter((f) => probe.gc.some((g) => g[2] === k && during(f.writtenAt, f.arrivedAt)(g))).length])) as Record<GcKind, number>;
  let ranMs = 0;
  let waitedMs = 0;
  for (const f of slow) {
    for (const [, , ran, waited] of probe.late.filter(during(f.writtenAt, f.arrivedAt))) {
      ranMs += ran;
      waitedMs += waited;
    }
  }
  const inRun = probe.gc.filter((g) => g[0] >= start && g[0] <= end);
  const gc = Object.fromEntries(KINDS.map((k) => {
    const of = inRun.filter((g) => g[2] === k).map((g) => g[1]);
    return [k, { count: of.length, ms: round(of.reduce((a, b) => a + b, 0)), maxMs: round(Math.max(0, ...of)) }];
  })) as Attribution["gc"];
  return {
    ...latency, slow: slow.length, stages: { median: stages(fast), slow: stages(slow) }, slowDuringGc,
    slowStalls: { ranMs: round(ranMs / slow.length), waitedMs: round(waitedMs / slow.length) }, gc,
  };
}

/** Runs the gateway once per rate (each its own process, so each probe file holds one run) and attributes each run. */
export async function latencyTrace(o: TraceOptions, outDir: string): Promise<Attribution[]> {
  const results: Attribution[] = [];
  mkdirSync(outDir, { recursive: true });
  for (const rate of o.rates) {
    const root = mkdtempSync(join(tmpdir(), "pantau-bench-trace-"));
    const probeFile = join(outDir, `probe-${rate}.json`);
    try {
      const fleet = writeFleet(root, DEVICES);
      const pty = await ptyPair(root, "gateway");
      const gateway = await startGateway(root, fleet, pty.gateway, ["--import", PROBE], { PANTAU_LATENCY_PROBE: probeFile });
      const samples: Sample[] = [];
      let figures: Latency;
      try {
        const target = { pty, sub: await gateway.subscribe(READINGS), sent: 0 };
        if (o.warmFrames > 0) await throughput(target, fleet, o.warmFrames, DEVICES);
        figures = await latency(target, fleet, rate, o.seconds, DEVICES, samples);
        await target.sub.endAsync();
      } finally {
        await gateway.stop();
        await pty.close();
      }
      results.push(attribute(figures, samples, JSON.parse(readFileSync(probeFile, "utf8")) as ProbeData));
      writeFileSync(join(outDir, `samples-${rate}.json`), JSON.stringify(samples));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
  return results;
}

export function traceTable(results: Attribution[]): string {
  const stage = (s: Stages): string => `${s.toGateway} / ${s.inGateway} / ${s.toSubscriber}`;
  const gc = (a: Attribution): string => KINDS.filter((k) => a.gc[k].count > 0).map((k) => `${k} ${a.gc[k].count} (${a.gc[k].ms} ms, max ${a.gc[k].maxMs})`).join(", ");
  return [
    "| frames/s | p50 / p99 / max ms | stages ms, median half (to gateway / in gateway / to subscriber) | stages ms, frames >= p99 | frames >= p99 during a minor / major GC | their stalls: gateway thread ran / waited for a core, ms | GC in the run |",
    "|---|---|---|---|---|---|---|",
    ...results.map((a) => `| ${a.rate.toLocaleString("en-US")} | ${a.p50Ms} / ${a.p99Ms} / ${a.maxMs} | ${stage(a.stages.median)} | ${stage(a.stages.slow)} | ${a.slowDuringGc.minor} / ${a.slowDuringGc.major} of ${a.slow} | ${a.slowStalls.ranMs} / ${a.slowStalls.waitedMs} | ${gc(a)} |`),
  ].join("\n");
}
