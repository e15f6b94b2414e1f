// The live terminal view of a commissioning, as plain lines; colour only when asked (a TTY).

import { describe, localTime, observed } from "../field/format.js";
import { demodulationFloorDb, linkMarginDb } from "./link.js";
import { describeHeard, heardBy, type CheckResult } from "./checks.js";
import type { CommissionSession } from "./session.js";

export interface Paint {
  ok(s: string): string;
  bad(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

export const NO_PAINT: Paint = { ok: (s) => s, bad: (s) => s, dim: (s) => s, bold: (s) => s };
export const ANSI_PAINT: Paint = {
  ok: (s) => `\u001b[32m${s}\u001b[0m`, bad: (s) => `\u001b[31m${s}\u001b[0m`, dim: (s) => `\u001b[2m${s}\u001b[0m`, bold: (s) => `\u001b[1m${s}\u001b[0m`,
};

export function mark(c: CheckResult, paint: Paint): string {
  return c.pass ? paint.ok("PASS") : c.waiting ? paint.dim("wait") : paint.bad("FAIL");
}

export function checkLines(checks: CheckResult[], paint: Paint): string[] {
  const width = Math.max(...checks.map((c) => c.check.length));
  return checks.map((c) => `  ${mark(c, paint)}  ${c.check.padEnd(width)}  ${c.reason}`);
}

export function renderView(s: CommissionSession, paint: Paint, now = Date.now()): string {
  const e = s.entry;
  const st = s.status;
  const lines: string[] = [];
  lines.push(paint.bold(`Commissioning unit ${e.id} "${e.name}" (${e.role}) at ${e.site}`) + paint.dim(`   via ${s.via}, ${Math.round((now - s.startedAt) / 1000)} s`));
  lines.push("");
  const rssi = st?.uplinkRssi ?? st?.rssi;
  const snr = (st?.uplinkSnr ?? st?.snr) as number | undefined;
  const sf = typeof s.settings?.sf === "number" ? s.settings.sf : 10;
  const radio = snr === undefined ? "wired (no radio figures)"
    : `RSSI ${String(rssi)} dBm, SNR ${snr} dB, ${linkMarginDb(snr, sf)} dB above the SF${sf} floor (${demodulationFloorDb(sf)} dB)`;
  lines.push(`  link      ${s.framesPerMinute(now)} frames/min over the last minute; ${radio}`);
  const bridges = heardBy(st);
  if (bridges.length) lines.push(`  heard by  ${bridges.map((h) => `${describeHeard(h)} at ${localTime(h.lastHeard)}`).join("; ")}`);
  if (!s.settings) lines.push(`  settings  ${paint.dim("judged from its reports: the gateway does not read a unit's settings (on its port they are read)")}`);
  if (s.relayed) {
    const heard = [...s.relayed].map(([id, r]) => `${id} ×${r.frames} (${r.rssiDbm} dBm, ${r.snrDb} dB)`);
    lines.push(`  hears     ${heard.join(", ") || "nobody yet"}`);
  }
  const latest = s.heard.at(-1)?.payload ?? st;
  lines.push(`  clock     ${latest ? `${localTime(observed(latest))} (${latest.timeSource === "device" ? "the unit's, set by the gateway" : "not set yet: the gateway's time shown"})` : "–"}`);
  lines.push(`  battery   ${st ? `${Number(st.batteryVoltage).toFixed(2)} V` : "–"}`);
  lines.push("  latest");
  const recent = s.heard.slice(-5);
  if (recent.length === 0) lines.push(paint.dim("            nothing yet"));
  for (const h of recent) lines.push(`    ${localTime(observed(h.payload))}  ${h.kind.padEnd(7)} ${describe(h.kind, h.payload)}`);
  lines.push("");
  lines.push("  checks");
  lines.push(...checkLines(s.checks(), paint));
  return lines.join("\n");
}
