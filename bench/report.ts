import type { Latency } from "./feed.js";
import type { Machine } from "./machine.js";
import { machineLine, writeSection } from "./sections.js";
import type { UserPathResult } from "./user-path.js";

const n = (x: number | undefined): string => (x === undefined ? "–" : x.toLocaleString("en-US"));

function latencyRows(name: string, rows: Latency[] | undefined): string[] {
  return (rows ?? []).map((l) => `| ${name} | ${n(l.rate)} | ${n(l.frames)} | ${l.p50Ms} | ${l.p99Ms} | ${l.maxMs} |`);
}

export function userPathTables(r: UserPathResult, command: string): string {
  const t = r.throughput;
  const rounds = (xs: number[] | undefined) => (xs ? xs.map(n).join(", ") : "–");
  return [
    `Throughput: ${n(r.framesPerRound)} \`loopInterval\` frames from 100 units per case and round, median of ${r.rounds} interleaved round${r.rounds === 1 ? "" : "s"} (\`${command}\`).`,
    "",
    "| case | frames/s (median) | each round |",
    "|---|---|---|",
    `| Pantau, \`pantau gateway --config\` (PTY in, store FULL, acks, MQTT login) | ${n(t.full)} | ${rounds(r.perRound.full)} |`,
    `| aedes alone, an mqtt.js client publishing the same JSON (the ceiling) | ${n(t.aedes)} | ${rounds(r.perRound.aedes)} |`,
    `| Node-RED ${r.nodeRed?.version ?? ""} flow (PTY in, same checks and JSON, no store, no acks) | ${n(t.nodeRed)} | ${rounds(r.perRound.nodeRed)} |`,
    `| ratio Pantau ÷ aedes alone (target ≥ 0.5) | ${r.ratios.fullOverAedes} | |`,
    `| ratio Pantau ÷ Node-RED (target ≥ 2) | ${r.ratios.fullOverNodeRed ?? "–"} | |`,
    ...(r.nodeRed ? ["", `Node-RED's JSON for the same frame is ${r.nodeRed.sameJson ? "the same as the gateway's (times aside)" : "NOT the same as the gateway's: the comparison is off"}.`] : []),
    "",
    "Latency, frame written to the PTY to its reading at the subscriber (p99 targets: ≤ 5 ms at 1,000/s, ≤ 20 ms at 5,000/s):",
    "",
    "| path | frames/s offered | frames | p50 ms | p99 ms | max ms |",
    "|---|---|---|---|---|---|",
    ...latencyRows("Pantau", r.latency.full),
    ...latencyRows("Node-RED", r.latency.nodeRed),
    "",
    `The gateway of these runs: ready ${n(r.gateway.startMs)} ms after the process started; ${n(r.gateway.rssIdleMiB)} MiB resident idle, ${n(r.gateway.rssPeakMiB)} MiB at its peak.`,
    "",
    `Disk: the gateway's store after the runs holds ${n(r.disk.readings)} readings, every one still in the outbox (no upstream configured): ${n(r.disk.bytesPerReading)} bytes of used pages per reading (indexes and outbox included), ${n(r.disk.mibPerMillionReadings)} MiB per million readings (target ≤ 400 bytes).`,
    "",
    "Scale: one frame from every unit of a fleet this size (target: start < 1 s, ≤ 300 MiB under load at 65,535). The first start with a fleet file parses, checks and caches it; the restart, with the same file, is every start until the file changes; memory and frames/s are the restart's:",
    "",
    "| units | first start: ready after ms | restart: ready after ms | RSS idle MiB | RSS peak under load MiB | frames/s |",
    "|---|---|---|---|---|---|",
    ...r.scale.map((s) => `| ${n(s.devices)} | ${n(s.firstStartMs)} | ${n(s.startMs)} | ${n(s.rssIdleMiB)} | ${n(s.rssLoadMiB)} | ${n(s.framesPerSec)} |`),
  ].join("\n");
}

/** Replaces the generated part of docs/benchmarks.md (between its markers) with the new tables and the machine. */
export function updateDocs(file: string, tables: string, host: Machine): void {
  const busy = host.loadAverageAtStart[0]! > host.cores
    ? " The machine was busy (load above its core count), so these figures fall well short of what it does idle; the ratios are the fairer figures."
    : "";
  writeSection(file, "bench:user-path", `On ${machineLine(host)}.${busy}\n\n${tables}`);
}
