// `npm run bench`: what a user gets, side by side in one run (the gateway CLI, the aedes-alone
// ceiling, a Node-RED flow), then the store, pipeline and disk figures, the firmware's cost on XS
// and its air efficiency per role. Writes a JSON result with the machine and its load, and the
// tables in docs/benchmarks.md. `--short` runs a few seconds of it (no Node-RED; the test suite
// runs it so the bench cannot rot) and leaves the docs alone. `--profile DIR` writes a CPU
// profile of the gateway process into DIR. `--latency-trace DIR` runs only the latency section,
// probed, and says where the slowest frames' time went (bench/latency-trace.ts); its files go
// into DIR.
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { airEfficiency } from "./air.js";
import { benchDisk } from "./disk.js";
import { benchFirmwareCost } from "./firmware-cost.js";
import { latencyTrace, traceTable } from "./latency-trace.js";
import { machine } from "./machine.js";
import { benchPipeline } from "./pipeline.js";
import { updateDocs, userPathTables } from "./report.js";
import { benchStore } from "./store.js";
import { machineLine, writeSection } from "./sections.js";
import { airTable, firmwareTable } from "./unit-tables.js";
import { benchUserPath, type UserPathOptions } from "./user-path.js";

const { values } = parseArgs({ options: { short: { type: "boolean", default: false }, out: { type: "string" }, profile: { type: "string" }, "latency-trace": { type: "string" } } });
const short = values.short === true;
const out = values.out ?? fileURLToPath(new URL("../../docs/benchmarks.json", import.meta.url));
const command = short ? "npm run bench -- --short" : "npm run bench";

const FULL: UserPathOptions = { frames: 20_000, rounds: 5, latencySeconds: 5, rates: [100, 1000, 5000], nodeRed: true, scale: [10_000, 65_535] };
const SHORT: UserPathOptions = { frames: 300, rounds: 1, latencySeconds: 0.3, rates: [100, 1000], nodeRed: false, scale: [1000] };

const started = performance.now();
const host = machine();
console.log(`machine: ${host.cores} × ${host.cpu}, ${host.memoryGiB} GiB, ${host.os}, Node ${host.node}, load average ${host.loadAverageAtStart.join(" / ")}`);
const traceDir = values["latency-trace"];
if (traceDir) {
  const trace = await latencyTrace(short ? { rates: [1000], seconds: 0.3, warmFrames: 300 } : { rates: [100, 1000, 5000], seconds: 5, warmFrames: 20_000 }, traceDir);
  const loadAverageAtEnd = loadavg().map((l) => Number(l.toFixed(2)));
  writeFileSync(join(traceDir, "latency-trace.json"), `${JSON.stringify({ date: new Date().toISOString(), machine: host, trace, loadAverageAtEnd }, null, 2)}\n`);
  console.log(`\n${traceTable(trace)}\n\nload average at the end ${loadAverageAtEnd.join(" / ")}; files in ${traceDir}`);
  process.exit(0);
}
const options = { ...(short ? SHORT : FULL), ...(values.profile ? { gatewayNodeArgs: ["--cpu-prof", "--cpu-prof-dir", values.profile] } : {}) };
const userPath = await benchUserPath(options);
const tables = userPathTables(userPath, command);
console.log(`\n${tables}`);
const figures = short ? undefined : { ...(await benchStore()), ...(await benchPipeline()), ...benchDisk() };
// last: loading the XS worker locks down this process's JavaScript intrinsics (SES)
const units = await benchFirmwareCost(short ? 0.05 : 1);
const air = airEfficiency(units.frames);
console.log(`\n${firmwareTable(units.costs)}\n\n${airTable(air)}`);
const result = {
  date: new Date().toISOString(),
  short,
  machine: host,
  userPath,
  firmwareCost: units.costs,
  air,
  ...(figures ? { figures } : {}),
  loadAverageAtEnd: loadavg().map((l) => Number(l.toFixed(2))),
  seconds: Math.round((performance.now() - started) / 1000),
};
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(`\nresult written to ${out} (${result.seconds} s; load average at the end ${result.loadAverageAtEnd.join(" / ")})`);
if (!short) {
  const docs = fileURLToPath(new URL("../../docs/benchmarks.md", import.meta.url));
  updateDocs(docs, tables, host);
  writeSection(docs, "bench:firmware-cost", `On ${machineLine(host)}.\n\n${firmwareTable(units.costs)}`);
  writeSection(docs, "bench:air", `Frames from the same runs.\n\n${airTable(air)}`);
  console.log(`tables updated in ${docs}`);
}
