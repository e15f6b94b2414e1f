// The commissioning report of one unit: JSON for the records, and a printable HTML page for the
// site folder, both saved when the commissioning ends.

import { join } from "node:path";
import { writeAtomically } from "../field/fleet-files.js";
import { describe, localTime, observed } from "../field/format.js";
import { allPass, type CheckResult } from "./checks.js";
import type { CommissionSession } from "./session.js";

export interface CommissionReport {
  unit: { id: number; name: string; role: string; site: string };
  via: string;
  startedAt: string;
  endedAt: string;
  passed: boolean;
  checks: CheckResult[];
  status: Record<string, unknown> | null;
  readings: Array<{ kind: string; payload: Record<string, unknown> }>;
}

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function buildReport(s: CommissionSession, checks: CheckResult[]): CommissionReport {
  return {
    unit: { id: s.entry.id, name: s.entry.name, role: s.entry.role, site: s.entry.site },
    via: s.via,
    startedAt: new Date(s.startedAt).toISOString(),
    endedAt: new Date().toISOString(),
    passed: allPass(checks),
    checks,
    status: s.status ?? null,
    readings: s.heard.map((h) => ({ kind: h.kind, payload: h.payload })),
  };
}

export function reportHtml(r: CommissionReport): string {
  const rows = r.checks.map((c) => `<tr class="${c.pass ? "pass" : "fail"}"><td>${c.pass ? "PASS" : "FAIL"}</td><td>${escape(c.check)}</td><td>${escape(c.reason)}</td></tr>`);
  const readings = r.readings.slice(-10).map((h) => `<tr><td>${localTime(observed(h.payload))}</td><td>${h.kind}</td><td>${escape(describe(h.kind, h.payload))}</td></tr>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Commissioning of unit ${r.unit.id}</title>
<style>
body { font: 11pt system-ui, sans-serif; margin: 15mm; } table { border-collapse: collapse; width: 100%; margin-bottom: 6mm; }
td, th { border-bottom: 1px solid #ccc; padding: 1.5mm 2mm; text-align: left; vertical-align: top; }
tr.pass td:first-child { color: #060; font-weight: bold; } tr.fail td:first-child { color: #b00; font-weight: bold; }
.verdict { font-size: 14pt; font-weight: bold; color: ${r.passed ? "#060" : "#b00"}; }
</style></head><body>
<h1>Unit ${r.unit.id}: ${escape(r.unit.name)}</h1>
<p>${escape(r.unit.role)} at ${escape(r.unit.site)}; checked via ${escape(r.via)} from ${new Date(r.startedAt).toLocaleString()} to ${new Date(r.endedAt).toLocaleTimeString()}</p>
<p class="verdict">${r.passed ? "Commissioned: every check passed" : "Not commissioned: checks failed"}</p>
<table><tr><th>result</th><th>check</th><th>why</th></tr>
${rows.join("\n")}
</table>
<h2>Latest readings</h2>
<table><tr><th>time</th><th>kind</th><th>reading</th></tr>
${readings.join("\n")}
</table>
<p>Technician: ______________________ &nbsp; Signature: ______________________</p>
</body></html>
`;
}

/** Saves both files; returns their paths. */
export function saveReport(r: CommissionReport, dir: string): { json: string; html: string } {
  const stamp = r.endedAt.replace(/[:.]/g, "-");
  const base = join(dir, `commission-${r.unit.id}-${stamp}`);
  writeAtomically(`${base}.json`, `${JSON.stringify(r, null, 2)}\n`, 0o644);
  writeAtomically(`${base}.html`, reportHtml(r), 0o644);
  return { json: `${base}.json`, html: `${base}.html` };
}
