// `npm run bench`: throughput figures for the gateway, printed as tables with the machine they ran on.
import { cpus, totalmem, type as osType, release } from "node:os";
import { benchDisk } from "./disk.js";
import { benchPipeline } from "./pipeline.js";
import { benchStore } from "./store.js";

const cpu = cpus()[0]?.model ?? "unknown CPU";
console.log(`machine: ${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, ${osType()} ${release()}, Node ${process.version}`);
const results = { ...(await benchStore()), ...(await benchPipeline()), ...benchDisk() };
console.log(`\n${JSON.stringify(results, null, 2)}`);
