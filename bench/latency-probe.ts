// Loaded into the gateway process (node --import) by `npm run bench -- --latency-trace DIR`:
// records when each serial read and each live publish happened (the gateway's diagnostics
// channels, gateway/frame-trace.ts), every GC pause, and, from a 2 ms timer, each time the event
// loop ran late: by how much, and how long its thread ran and how long it waited for a core
// meanwhile (Linux /proc schedstat; zeros elsewhere). Written as JSON to $PANTAU_LATENCY_PROBE
// when the process exits. Times are epoch ms, comparable with the bench process's.
import { subscribe } from "node:diagnostics_channel";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { constants, performance, PerformanceObserver } from "node:perf_hooks";
import type { FramePublish, LinkRead } from "../gateway/frame-trace.js";

export type GcKind = "minor" | "major" | "incremental" | "weak";

export interface ProbeData {
  /** per live publish: [epoch ms of the serial read that carried the frame, epoch ms of the publish, device id, seq] */
  frames: Array<[number, number, number, number]>;
  /** [epoch ms it started, ms it took, kind] */
  gc: Array<[number, number, GcKind]>;
  /** per late tick: [epoch ms it was due, ms late, ms the main thread ran, ms it waited for a core, since the previous tick] */
  late: Array<[number, number, number, number]>;
}

const TICK_MS = 2;
const KINDS: Record<number, GcKind> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: "minor",
  [constants.NODE_PERFORMANCE_GC_MAJOR]: "major",
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental",
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weak",
};

const out = process.env.PANTAU_LATENCY_PROBE;
if (!out) throw new Error("latency-probe: PANTAU_LATENCY_PROBE (the output file) is not set");
const epoch = (at = performance.now()): number => performance.timeOrigin + at;
const data: ProbeData = { frames: [], gc: [], late: [] };

let lastRead = 0;
subscribe("pantau:link-read", (message) => {
  if ((message as LinkRead).bytes > 0) lastRead = epoch();
});
subscribe("pantau:frame-publish", (message) => {
  const { deviceId, seq } = message as FramePublish;
  data.frames.push([lastRead, epoch(), deviceId, seq]);
});

new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = (e as { detail?: { kind?: number } }).detail?.kind;
    data.gc.push([epoch(e.startTime), e.duration, KINDS[kind ?? 0] ?? "minor"]);
  }
}).observe({ entryTypes: ["gc"] });

// the main thread's own line (its id is the process id): run and runqueue-wait time in ns
const schedstat = `/proc/self/task/${process.pid}/schedstat`;
const sched = existsSync(schedstat)
  ? (): [number, number] => {
    const [run, wait] = readFileSync(schedstat, "utf8").split(" ");
    return [Number(run) / 1e6, Number(wait) / 1e6];
  }
  : (): [number, number] => [0, 0];
let due = performance.now() + TICK_MS;
let before = sched();
setInterval(() => {
  const now = performance.now();
  const late = now - due;
  const s = sched();
  if (late > 1) data.late.push([epoch(due), late, s[0] - before[0], s[1] - before[1]]);
  before = s;
  due = now + TICK_MS;
}, TICK_MS).unref();

process.on("exit", () => writeFileSync(out, JSON.stringify(data)));
