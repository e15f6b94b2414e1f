// The commissioning checks of one unit, as pure functions of what has been seen of it: its latest
// status, its recent readings (normalized, as the gateway publishes them), its registry entry
// and, when read on its port, its settings and what it relayed. `pantau commission` shows them
// live and the fleet page shows the same list. A check still waiting for data (no interval
// closed yet) is not passed; the caller decides when waiting has lasted long enough to fail.

import { Fault, type RoleName } from "../../shared/messages.js";
import type { HeardVia } from "../health/heard-by.js";
import { linkMarginDb, LINK_MARGIN_DB } from "./link.js";

export type { HeardVia } from "../health/heard-by.js";

export interface CheckResult {
  check: string;
  pass: boolean;
  reason: string;
  /** not failed yet: what it needs has not arrived */
  waiting?: true;
}

type Payload = Record<string, unknown>;

/** What the checks know of a unit. */
export interface UnitObservations {
  entry: {
    id: number;
    role: RoleName;
    lanes?: Array<{ lane: number }>;
    flood?: { referenceLevelM: number; alertLevelM: number; dangerLevelM: number };
    sign?: { speedLimitKmh: number };
  };
  /** the latest normalized status message */
  status?: Payload;
  /** normalized readings (traffic, speed, flood, alarm), oldest first */
  readings: Payload[];
  /** the unit's settings as its console reports them (defaults of the core, and what was provisioned) */
  settings?: Record<string, string | number | boolean>;
  /** bridge on its port: the units it relayed, with the last radio figures */
  relayed?: Map<number, { frames: number; rssiDbm: number; snrDb: number }>;
  /** bridge on its port: share of its hourly transmit budget that acks for the units it hears would use */
  dutyUsed?: number;
  /** on its port: the unit's self-test says the gateway has set its clock */
  clockSynced?: boolean;
  /** sign: the display test's outcome as the unit answered it, "running" meanwhile; absent when nobody asked for it */
  displayTest?: { pass: boolean; found: string } | "running";
}

/** How a technician asks for the sign's display test (it lights the sign, so only on request). */
export const DISPLAY_TEST_HOW = "run pantau commission with --display-test, or press d in its live view";

/** After this many closed intervals with nothing counted, a lane or radar fails instead of waiting. */
export const QUIET_INTERVALS_TO_FAIL = 3;

const pass = (check: string, reason: string): CheckResult => ({ check, pass: true, reason });
const fail = (check: string, reason: string): CheckResult => ({ check, pass: false, reason });
const wait = (check: string, reason: string): CheckResult => ({ check, pass: false, reason, waiting: true });

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const faultsOf = (o: UnitObservations): number => num(o.status?.faults) ?? 0;
const NO_STATUS = "no status frame yet";
const m = (metres: number): string => `${metres.toFixed(3)} m`;

export function commissionChecks(o: UnitObservations): CheckResult[] {
  // a role without checks of its own here (a plug-in) still gets the common ones
  return [...commonChecks(o), ...(ROLE_CHECKS[o.entry.role]?.(o) ?? [])];
}

export const allPass = (results: CheckResult[]): boolean => results.length > 0 && results.every((r) => r.pass);

function commonChecks(o: UnitObservations): CheckResult[] {
  const out: CheckResult[] = [];
  const status = o.status;
  if (!status) return [wait("status", NO_STATUS)];
  out.push(pass("status", `firmware ${String(status.firmwareVersion)}, up ${String(status.uptime)} s, queue ${String(status.queueDepth)}`));
  const latest = o.readings.at(-1) ?? status;
  out.push(latest.timeSource === "device" || o.clockSynced === true
    ? pass("clock", "set by the gateway's acks")
    : wait("clock", "not set yet: no ack has reached the unit"));
  const volts = num(status.batteryVoltage) ?? 0;
  if (faultsOf(o) & Fault.lowBattery) out.push(fail("battery", `${volts.toFixed(2)} V, below the unit's low-battery level (lowBattMv)`));
  else out.push(pass("battery", volts > 0 ? `${volts.toFixed(2)} V` : "not measured on this board"));
  const bridges = heardBy(status);
  if (bridges.length) out.push(pass("heard by bridges", bridges.map(describeHeard).join(", ")));
  const snr = num(status.uplinkSnr) ?? num(status.snr);
  if (snr !== undefined) {
    const sf = num(o.settings?.sf) ?? 10;
    const margin = linkMarginDb(snr, sf);
    const text = `SNR ${snr} dB at SF${sf}: ${margin} dB above the demodulation floor`;
    out.push(margin >= LINK_MARGIN_DB ? pass("link margin", text) : fail("link margin", `${text}, less than ${LINK_MARGIN_DB} dB: raise the antenna or use a higher SF`));
  }
  return out;
}

/** The bridges in a status message, best SNR first; none on a wired unit or on its port. */
export function heardBy(status: Payload | undefined): HeardVia[] {
  return Array.isArray(status?.heardBy) ? (status.heardBy as HeardVia[]) : [];
}

export const describeHeard = (h: HeardVia): string =>
  `${h.bridge === null ? `the bridge on ${h.link}` : `bridge ${h.bridge}`} (${h.rssi} dBm, SNR ${h.snr} dB, ${h.frames} frame${h.frames === 1 ? "" : "s"})`;

const ROLE_CHECKS: Partial<Record<RoleName, (o: UnitObservations) => CheckResult[]>> = {
  loop: (o) => {
    const out: CheckResult[] = [loopOscillator(o), loopBaseline(o)];
    if (o.settings) {
      const s = num(o.settings.sensitivity);
      out.push(s === undefined
        ? fail("sensitivity set", "sensitivity was not provisioned: set it with --set sensitivity=16 (0.16 % ΔL/L)")
        : pass("sensitivity set", `${(s / 100).toFixed(2)} % ΔL/L`));
    }
    const lanes = o.entry.lanes?.map((l) => l.lane) ?? laneDigits(o.settings?.lanes);
    for (const lane of lanes) {
      // the messages count lanes from 1, the registry and the unit's settings from 0
      const records = o.readings.filter((r) => r.laneId === lane + 1 && r.type === "TrafficFlowObserved");
      const counted = records.filter((r) => (num(r.intensity) ?? 0) > 0);
      const check = `lane ${lane + 1} counting`;
      if (counted.length > 0) out.push(pass(check, `${String(counted.at(-1)!.intensity)} vehicles in the last interval that had any`));
      else if (records.length >= QUIET_INTERVALS_TO_FAIL) out.push(fail(check, `no vehicle in ${records.length} intervals`));
      else out.push(wait(check, records.length ? `no vehicle in ${records.length} interval(s) yet` : "no interval record yet"));
    }
    return out;
  },

  flood: (o) => {
    const out: CheckResult[] = [];
    const reg = o.entry.flood;
    const report = [...o.readings].reverse().find((r) => r.type === "FloodMonitoring");
    const unitRefM = o.settings ? (num(o.settings.referenceMm) ?? 0) / 1000 || undefined : num(report?.referenceLevel);
    if (o.settings && num(o.settings.referenceMm) === undefined) {
      out.push(fail("reference level set", "referenceMm was not provisioned: the unit measures against its default 3.000 m; set --set referenceMm=<sensor height in mm>"));
    } else if (unitRefM === undefined) {
      out.push(wait("reference level set", "no flood report yet"));
    } else if (reg && Math.abs(unitRefM - reg.referenceLevelM) > 0.0005) {
      out.push(fail("reference level set", `the unit uses ${m(unitRefM)}, the registry says ${m(reg.referenceLevelM)}`));
    } else {
      out.push(pass("reference level set", `sensor ${m(unitRefM)} above the channel bed`));
    }
    const faults = num(report?.faults) ?? faultsOf(o);
    if (!report) out.push(wait("reading plausible", "no flood report yet"));
    else if (faults & Fault.sensorTimeout) out.push(fail("reading plausible", "the ranger does not answer (sensor timeout)"));
    else if (faults & Fault.sensorRange) out.push(fail("reading plausible", "the ranger reads outside rangerMinMm..rangerMaxMm"));
    else {
      const level = num(report.currentLevel) ?? NaN;
      const ref = num(report.referenceLevel) ?? NaN;
      out.push(level >= 0 && level <= ref
        ? pass("reading plausible", `level ${m(level)}, within 0..${m(ref)}`)
        : fail("reading plausible", `level ${m(level)} is outside 0..${m(ref)}: check referenceMm and where the sensor points`));
    }
    const alert = o.settings ? num(o.settings.alertMm) : undefined;
    const danger = o.settings ? num(o.settings.dangerMm) : undefined;
    const t = reg ?? { alertLevelM: (alert ?? 1000) / 1000, dangerLevelM: (danger ?? 1500) / 1000, referenceLevelM: unitRefM ?? 3 };
    const unitDisagrees = reg && o.settings && (alert === undefined || danger === undefined ||
      Math.abs(alert / 1000 - reg.alertLevelM) > 0.0005 || Math.abs(danger / 1000 - reg.dangerLevelM) > 0.0005);
    if (!(t.alertLevelM < t.dangerLevelM && t.dangerLevelM <= t.referenceLevelM)) {
      out.push(fail("alarm thresholds ordered", `alert ${m(t.alertLevelM)}, danger ${m(t.dangerLevelM)}, reference ${m(t.referenceLevelM)}: need alert < danger <= reference`));
    } else if (unitDisagrees) {
      out.push(fail("alarm thresholds ordered", `the unit's alertMm/dangerMm (${alert ?? "default"}/${danger ?? "default"}) differ from the registry's ${m(t.alertLevelM)}/${m(t.dangerLevelM)}`));
    } else {
      out.push(pass("alarm thresholds ordered", `alert ${m(t.alertLevelM)} < danger ${m(t.dangerLevelM)} <= reference ${m(t.referenceLevelM)}`));
    }
    return out;
  },

  sign: (o) => {
    const out: CheckResult[] = [];
    // the sign's statistics, not its histograms: both are TrafficFlowObserved of its approach
    const stats = o.readings.filter((r) => r.speedLimit !== undefined);
    const seen = stats.filter((r) => (num(r.intensity) ?? 0) > 0);
    if (faultsOf(o) & Fault.radarSilent) out.push(fail("radar seeing targets", "the radar is silent: no bytes for radarSilentS; check its power, wiring and radarBaud"));
    else if (seen.length > 0) out.push(pass("radar seeing targets", `${String(seen.at(-1)!.intensity)} vehicles in the last interval that had any`));
    else if (stats.length >= QUIET_INTERVALS_TO_FAIL) out.push(fail("radar seeing targets", `no vehicle in ${stats.length} intervals: check the radar's aim and radarModel`));
    else out.push(wait("radar seeing targets", stats.length ? `no vehicle in ${stats.length} interval(s) yet` : "no statistics yet"));
    const unitLimit = o.settings ? num(o.settings.limitKmh) : num(stats.at(-1)?.speedLimit);
    const want = o.entry.sign?.speedLimitKmh;
    if (o.settings && unitLimit === undefined) out.push(fail("limit set", "limitKmh was not provisioned: the sign shows against its default 50 km/h"));
    else if (unitLimit === undefined) out.push(wait("limit set", "no statistics yet"));
    else if (want !== undefined && unitLimit !== want) out.push(fail("limit set", `the sign uses ${unitLimit} km/h, the registry says ${want} km/h`));
    else out.push(pass("limit set", `${unitLimit} km/h`));
    out.push(displayTest(o.displayTest));
    return out;
  },

  bridge: (o) => {
    if (!o.relayed) return [];
    const out: CheckResult[] = [];
    const heard = [...o.relayed].map(([id, r]) => `${id} (${r.rssiDbm} dBm, SNR ${r.snrDb} dB)`);
    out.push(heard.length ? pass("hearing sensors", `heard ${heard.join(", ")}`) : wait("hearing sensors", "no unit heard on the air yet"));
    if (o.dutyUsed === undefined) {
      out.push(wait("duty-cycle budget left", "needs two frames of a unit a minute apart, to know how often it sends"));
    } else {
      const used = Math.round(o.dutyUsed * 100);
      const text = `acks for the units heard would use ${used} % of its hour's transmit budget`;
      out.push(used <= 80 ? pass("duty-cycle budget left", text)
        : fail("duty-cycle budget left", `${text}: fewer units per bridge, or longer report intervals`));
    }
    return out;
  },
};

function displayTest(test: UnitObservations["displayTest"]): CheckResult {
  const check = "display test";
  if (test === undefined) return pass(check, `not run (not asked for): ${DISPLAY_TEST_HOW}`);
  if (test === "running") return wait(check, "running: every segment lit, then each digit alone");
  return test.pass ? pass(check, test.found) : fail(check, test.found);
}

/** A check on fault bits of the unit's status (the loop's faults come only in its status frames): the first set fails it. */
function faultCheck(o: UnitObservations, check: string, faults: Array<[bit: number, reason: string]>, ok: string): CheckResult {
  if (!o.status) return wait(check, NO_STATUS);
  const found = faults.find(([bit]) => faultsOf(o) & bit);
  return found ? fail(check, found[1]) : pass(check, ok);
}

const loopOscillator = (o: UnitObservations): CheckResult => faultCheck(o, "oscillator in range", [
  [Fault.loopOpen, "a loop is open (frequency below fMinHz): check the loop wire and its lead-in"],
  [Fault.loopShorted, "a loop is shorted (frequency above fMaxHz): check the loop's insulation"],
], "every loop oscillates within fMinHz..fMaxHz");

const loopBaseline = (o: UnitObservations): CheckResult => faultCheck(o, "baseline stable", [
  [Fault.stuckPresence, "a loop reported presence for longer than maxPresenceS and re-tuned"],
  [Fault.chatter, "a loop chatters (more than chatterPerS on-transitions a second)"],
], "no stuck presence, no chatter");

function laneDigits(lanes: unknown): number[] {
  return typeof lanes === "string" ? [...new Set([...lanes].map(Number).filter((n) => Number.isInteger(n)))] : [];
}
