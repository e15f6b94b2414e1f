// The torture's tables, and its section of docs/benchmarks.md (between its own markers).
import type { Machine } from "../machine.js";
import { machineLine, writeSection } from "../sections.js";
import type { FuzzResult } from "./fuzz.js";
import type { SoakResult } from "./soak.js";

const n = (x: number): string => x.toLocaleString("en");

export function report(f: FuzzResult, s: SoakResult): string {
  const outcomes = Object.entries(f.counted).filter(([, c]) => c > 0).map(([o, c]) => `${o} ${n(c)}`).join(", ");
  const made = Object.entries(f.made).map(([k, c]) => `${k} ${n(c)}`).join(", ");
  return [
    "| fuzz | |",
    "|---|---|",
    `| frames sent (made as: ${made}) | ${n(f.frames)} |`,
    `| counted in \`pantau_frames_total\` (${outcomes}) | ${n(f.countedTotal)} |`,
    `| errors that escaped the pipeline | ${f.escaped} |`,
    `| acks sent | ${n(f.acks)} |`,
    `| rate | ${n(f.framesPerSec)} frames/s (${f.seconds} s) |`,
    `| RSS at start / middle / end | ${f.rssMiB.start} / ${f.rssMiB.middle} / ${f.rssMiB.end} MiB (V8 heap in use ${f.heapMiB.start} / ${f.heapMiB.middle} / ${f.heapMiB.end} MiB) |`,
    "",
    "| soak | |",
    "|---|---|",
    `| length, units, ports, offered rate | ${n(s.seconds)} s, ${n(s.options.devices)} units, ${s.options.ports} ports, ${n(s.options.rate)} reports/s |`,
    `| faults: ports unplugged, broker restarts, gateway SIGKILLs | ${s.faults.unplugs}, ${s.faults.brokerRestarts}, ${s.faults.kills} |`,
    `| reports made; sent again after a missed ack; writes onto an unplugged port | ${n(s.reports)}; ${n(s.resends)}; ${n(s.unpluggedWrites)} |`,
    `| acked (of which "duplicate": stored before the ack was lost) | ${n(s.acked)} (${n(s.duplicateAcks)}) |`,
    `| never acked (the drain after the faults took ${n(s.drainS)} s) | ${n(s.unacked)} |`,
    `| in history; acked but missing; stored but never sent; stored twice | ${n(s.stored)}; ${s.missing}; ${s.unexpected}; ${s.duplicates} |`,
    `| left in the outbox at the end; dropped at its row bound before the upstream broker had them | ${n(s.outboxLeft)}; ${n(s.outboxDropped)} |`,
    `| gateway RSS first / middle / last / max sample; highest in the first / second half of the faults | ${s.rssMiB.first} / ${s.rssMiB.middle} / ${s.rssMiB.last} / ${s.rssMiB.max} MiB; ${s.rssMiB.halves[0]} / ${s.rssMiB.halves[1]} MiB |`,
    `| gateway RSS per life (start → end) | ${s.rssMiB.lives.map((l) => `${l.start} → ${l.end}`).join(", ")} MiB |`,
    "",
    "| gateway life | spawned at | ready after | lived | acks/s | upstream lag first → last sample | worst event-loop delay | RSS start → end |",
    "|---|---|---|---|---|---|---|---|",
    ...s.lives.map((l, i) => `| ${i + 1} | ${n(l.spawnedAtS)} s | ${l.startS} s | ${n(l.seconds)} s | ${n(l.acksPerS)} | ${n(l.upstreamLag.start)} → ${n(l.upstreamLag.end)} | ${l.loopLagMaxS.toFixed(2)} s | ${l.rssMiB.start} → ${l.rssMiB.end} MiB |`),
  ].join("\n");
}

export function updateTortureDocs(file: string, tables: string, host: Machine, loadAtEnd: number[]): void {
  writeSection(file, "torture", `On ${machineLine(host)}, at end ${loadAtEnd.join(" / ")}.\n\n${tables}`);
}
