// `npm run bench`: what a user gets (full path beside the aedes-alone ceiling, latency), then the
// store, pipeline and disk figures. Writes a JSON result with the machine and its load, and the
// user-path tables in docs/benchmarks.md. `npm run bench -- --short` runs a few seconds of the
// user path only (the test suite runs it so the bench cannot rot) and leaves the docs alone.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { airEfficiency } from "./air.js";
import { benchDisk } from "./disk.js";
import { benchFirmwareCost } from "./firmware-cost.js";
import { machine } from "./machine.js";
import { benchPipeline } from "./pipeline.js";
import { updateDocs, userPathTables } from "./report.js";
import { benchStore } from "./store.js";
import { machineLine, writeSection } from "./sections.js";
import { airTable, firmwareTable } from "./unit-tables.js";
import { benchUserPath } from "./user-path.js";

const { values } = parseArgs({ options: { short: { type: "boolean", default: false }, out: { type: "string" } } });
const short = values.short === true;
const out = values.out ?? fileURLToPath(new URL("../../docs/benchmarks.json", import.meta.url));

const host = machine();
console.log(`machine: ${host.cores} × ${host.cpu}, ${host.memoryGiB} GiB, ${host.os}, Node ${host.node}, load average ${host.loadAverageAtStart.join(" / ")}`);
const userPath = await benchUserPath(short ? { frames: 300, latencySeconds: 0.3, rates: [100, 1000] } : { frames: 20_000, latencySeconds: 5, rates: [100, 1000] });
console.log(`\n${userPathTables(userPath)}`);
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
};
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(`\nresult written to ${out}`);
if (!short) {
  const docs = fileURLToPath(new URL("../../docs/benchmarks.md", import.meta.url));
  updateDocs(docs, userPathTables(userPath), host);
  writeSection(docs, "bench:firmware-cost", `On ${machineLine(host)}.\n\n${firmwareTable(units.costs)}`);
  writeSection(docs, "bench:air", `Frames from the same runs.\n\n${airTable(air)}`);
  console.log(`tables updated in ${docs}`);
}
