import { readFileSync, writeFileSync } from "node:fs";
import type { Machine } from "./machine.js";
import type { UserPathResult } from "./user-path.js";

const START = "<!-- bench:user-path -->";
const END = "<!-- /bench:user-path -->";

export function userPathTables(r: UserPathResult): string {
  return [
    "| case | frames/s |",
    "|---|---|",
    `| Pantau, full default path (PTY in, store FULL, acks, subscriber over TCP) | ${r.fullPathFramesPerSec} |`,
    `| aedes alone, an mqtt.js client publishing the same JSON (the ceiling) | ${r.aedesAloneFramesPerSec} |`,
    `| ratio full path ÷ aedes alone | ${r.fullOverAedes} |`,
    "",
    "| frames/s offered | frames | p50 ms | p99 ms | max ms |",
    "|---|---|---|---|---|",
    ...r.latency.map((l) => `| ${l.rate} | ${l.frames} | ${l.p50Ms} | ${l.p99Ms} | ${l.maxMs} |`),
  ].join("\n");
}

/** Replaces the generated part of docs/benchmarks.md (between its markers) with the new tables and the machine. */
export function updateDocs(file: string, tables: string, host: Machine): void {
  const text = readFileSync(file, "utf8");
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${file} lacks the ${START} … ${END} markers the bench writes between`);
  const when = `Last run ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC on ${host.cores} × ${host.cpu}, ${host.memoryGiB} GiB, ${host.os}, Node ${host.node}; load average at start ${host.loadAverageAtStart.join(" / ")}.`;
  const busy = host.loadAverageAtStart[0]! > host.cores
    ? " The machine was busy (load above its core count), so these figures fall well short of what it does idle; the ratio is the fairer figure."
    : "";
  writeFileSync(file, `${text.slice(0, start + START.length)}\n${when}${busy}\n\n${tables}\n${text.slice(end)}`);
}
