// Generated parts of docs/benchmarks.md: each lives between `<!-- NAME -->` and `<!-- /NAME -->`
// and is replaced whole by the run that measures it, with the machine and its load.
import { readFileSync, writeFileSync } from "node:fs";
import type { Machine } from "./machine.js";

export function machineLine(host: Machine): string {
  const certs = host.extraCaCerts === undefined ? "" : `; NODE_EXTRA_CA_CERTS set (${host.extraCaCerts} certificates, parsed by every Node process as it starts)`;
  return `${host.cores} × ${host.cpu}, ${host.memoryGiB} GiB, ${host.os}, Node ${host.node}; load average at start ${host.loadAverageAtStart.join(" / ")}${certs}`;
}

export function writeSection(file: string, name: string, body: string): void {
  const start = `<!-- ${name} -->`;
  const end = `<!-- /${name} -->`;
  const text = readFileSync(file, "utf8");
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${file} lacks the ${start} … ${end} markers this run writes between`);
  const when = `Last run ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC.`;
  writeFileSync(file, `${text.slice(0, from + start.length)}\n${when} ${body}\n${text.slice(to)}`);
}
