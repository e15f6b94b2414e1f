// `npm run torture`: 1,000,000 fuzzed frames through the ingest path, then a 30-minute soak with
// faults (ports unplugged, the upstream broker restarted, the gateway killed). Writes a JSON
// result and, for a full run, its section of docs/benchmarks.md. `-- --short` runs small counts
// with at least one fault of each kind in under a minute (the test suite runs it). The exit code
// is 1 when an invariant broke; the report says which.
import { rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { machine } from "../machine.js";
import { fuzz, type FuzzResult } from "./fuzz.js";
import { report, updateTortureDocs } from "./report.js";
import { soak, type SoakOptions, type SoakResult } from "./soak.js";

/** how far the gateway's highest RSS in the second half of the faults may rise above the first half's before the soak calls it a leak */
const RSS_GROWTH = 1.25;

const { values } = parseArgs({
  options: {
    short: { type: "boolean", default: false },
    out: { type: "string" },
    "fuzz-frames": { type: "string" },
    "soak-minutes": { type: "string" },
  },
});
const short = values.short === true;
const out = values.out ?? fileURLToPath(new URL("../../../docs/torture.json", import.meta.url));
const frames = Number(values["fuzz-frames"] ?? (short ? 20_000 : 1_000_000));
const soakOptions: SoakOptions = short
  ? { seconds: 16, devices: 100, ports: 2, rate: 200, unplugEveryS: 7, brokerRestartEveryS: 9, killEveryS: 12, drainMaxS: 60 }
  : { seconds: 1800, devices: 1000, ports: 4, rate: 1000, unplugEveryS: 120, brokerRestartEveryS: 300, killEveryS: 180, drainMaxS: 900 };
if (values["soak-minutes"] !== undefined) soakOptions.seconds = Math.round(Number(values["soak-minutes"]) * 60);
if (!(frames > 0) || !(soakOptions.seconds > 0)) throw new Error("--fuzz-frames and --soak-minutes must be positive numbers");

const host = machine();
const stamp = (): string => new Date().toLocaleTimeString();
console.log(`machine: ${host.cores} × ${host.cpu}, ${host.memoryGiB} GiB, Node ${host.node}, load average ${host.loadAverageAtStart.join(" / ")}`);
console.log(`${stamp()} fuzz: ${frames.toLocaleString("en")} frames through the ingest path`);
const fuzzed: FuzzResult = await fuzz(frames);
console.log(`${stamp()} soak: ${soakOptions.seconds} s, ${soakOptions.devices} units on ${soakOptions.ports} ports at ${soakOptions.rate} reports/s, with faults`);
const soaked: SoakResult = await soak(soakOptions, 13, (line) => console.log(`${stamp()}   ${line}`));
const loadAverageAtEnd = loadavg().map((l) => Number(l.toFixed(2)));

/**
 * A leak: the second half's highest RSS sample above RSS_GROWTH times the first half's (each
 * life's warm-up is in both). A soak under RSS_MIN_S is too short to tell growth from warm-up.
 */
const RSS_MIN_S = 600;
const rssGrew = (s: SoakResult): boolean => s.options.seconds >= RSS_MIN_S && s.rssMiB.halves[1] > RSS_GROWTH * s.rssMiB.halves[0];

const failures = [
  ...(fuzzed.countedTotal !== fuzzed.frames ? [`fuzz: ${fuzzed.countedTotal} frames counted of ${fuzzed.frames} sent`] : []),
  ...(fuzzed.escaped > 0 ? [`fuzz: ${fuzzed.escaped} frames escaped the pipeline's error handling`] : []),
  ...(soaked.unacked > 0 ? [`soak: ${soaked.unacked} reports never acked`] : []),
  ...(soaked.missing > 0 ? [`soak: ${soaked.missing} acked reports missing from history`] : []),
  ...(soaked.unexpected > 0 ? [`soak: ${soaked.unexpected} history rows no unit sent`] : []),
  ...(soaked.duplicates > 0 ? [`soak: ${soaked.duplicates} reports stored more than once`] : []),
  ...(rssGrew(soaked) ? [`soak: RSS not flat: ${soaked.rssMiB.halves[1]} MiB at most in the second half of the faults, ${soaked.rssMiB.halves[0]} MiB in the first`] : []),
  ...(soaked.outboxLeft > 0 ? [`soak: ${soaked.outboxLeft} messages still in the upstream outbox`] : []),
  ...(soaked.outboxDropped > 0 ? [`soak: ${soaked.outboxDropped} messages dropped from the outbox at its row bound before the upstream broker had them`] : []),
  ...(soaked.rejectedAcks > 0 ? [`soak: ${soaked.rejectedAcks} good reports answered "rejected"`] : []),
  ...Object.entries(soaked.faults).filter(([, n]) => n === 0).map(([kind]) => `soak: no ${kind} happened`),
];
const result = { date: new Date().toISOString(), short, machine: host, loadAverageAtEnd, fuzz: fuzzed, soak: soaked, failures };
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
const text = report(fuzzed, soaked);
console.log(`\n${text}\n\nresult written to ${out}`);
if (!short) {
  const docs = fileURLToPath(new URL("../../../docs/benchmarks.md", import.meta.url));
  updateTortureDocs(docs, text, host, loadAverageAtEnd);
  console.log(`section updated in ${docs}`);
}
if (failures.length) {
  console.error(`torture FAILED:\n${failures.map((f) => `  - ${f}`).join("\n")}\nthe soak's gateway logs (one per life), timeline.tsv and store are kept in ${soaked.dir}`);
  process.exitCode = 1;
} else {
  rmSync(soaked.dir, { recursive: true, force: true });
  console.log("torture passed: every frame counted once, nothing lost or duplicated, the backlog drained");
}
