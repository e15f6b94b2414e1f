// The flood role on the real XS engine, fed by simulated water: a flood wave with 1 % wild
// readings and things passing under the sensor, a level hovering at a threshold, and the
// pressure-transducer option. Frames go through the gateway's verifyFrame.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startXs, type XsSession } from "../xs/harness.js";
import { verifyFrame } from "../../gateway/pipeline/verify.js";
import { ReplayWindows } from "../../gateway/pipeline/replay-window.js";
import { Registry } from "../../gateway/registry/registry.js";
import type { Envelope } from "../../shared/envelope.js";
import { MAX_AIR_FRAME } from "../../shared/messages.js";
import type { FloodRun } from "./fixtures/flood-entry.js";
import { levelOf, type FloodScenario } from "./fixtures/flood-scenario.js";

const KEY_HEX = "f100d0102030405060708090a0b0c0d0";
const key = () => Uint8Array.from(Buffer.from(KEY_HEX, "hex"));
const HEIGHT = 3000;
const ALERT = 1000;
const DANGER = 1500;
const HYST = 30;
const HOUR = 3600_000;
const settings = { alertMm: ALERT, dangerMm: DANGER, hysteresisMm: HYST, reportIntervalS: 300, fastIntervalS: 60 };

const registry = new Registry([{
  id: 0xffff, role: "flood", key: KEY_HEX, site: "sim", name: "simulated gauge", location: { lat: 0, lon: 0 },
  flood: { referenceLevelM: HEIGHT / 1000, alertLevelM: ALERT / 1000, dangerLevelM: DANGER / 1000 },
}]);

type FloodEnvelope = Envelope<"floodReport"> | Envelope<"floodAlarm">;
interface Received {
  atMs: number;
  length: number;
  truthMm: number;
  env: FloodEnvelope;
}

let xs: XsSession;
const measured: Record<string, unknown> = {};

beforeAll(async () => {
  xs = await startXs("tests/firmware/fixtures/flood-entry.ts", { meteringLimit: 0 });
});

afterAll(async () => {
  console.log(`flood XS measurements: ${JSON.stringify(measured, null, 1)}`);
  await xs?.close();
});

async function runScenario(s: FloodScenario, totalMs: number): Promise<{ frames: Received[]; last: FloodRun }> {
  await xs.call("setup", s);
  const frames: Received[] = [];
  let last: FloodRun | undefined;
  for (let t = 0; t < totalMs; t += HOUR) {
    const { value } = await xs.call<FloodRun>("run", Math.min(HOUR, totalMs - t));
    for (const f of value.frames) {
      expect(f.bytes.length).toBeLessThanOrEqual(MAX_AIR_FRAME);
      const { envelope } = verifyFrame(f.bytes, registry, new ReplayWindows());
      if (envelope.type !== "floodReport" && envelope.type !== "floodAlarm") throw new Error(`unexpected ${envelope.type}`);
      frames.push({ atMs: f.atMs, length: f.bytes.length, truthMm: f.truthMm, env: envelope });
    }
    last = value;
  }
  return { frames, last: last! };
}

interface Transition {
  atMs: number;
  previous: number;
  status: number;
}

/** status changes of the true level under the same hysteresis rule, sampled every second */
function truthTransitions(s: FloodScenario, totalMs: number): Transition[] {
  const level = levelOf(s.level);
  const out: Transition[] = [];
  let status = 0;
  for (let t = 0; t <= totalMs; t += 1000) {
    const l = level(t);
    let next = l >= DANGER ? 2 : l >= ALERT ? 1 : 0;
    if (next < status) {
      next = status;
      while (next > 0 && l < (next === 2 ? DANGER : ALERT) - HYST) next--;
    }
    if (next !== status) out.push({ atMs: t, previous: status, status: next });
    status = next;
  }
  return out;
}

function reports(frames: Received[]) {
  return frames.filter((f): f is Received & { env: Envelope<"floodReport"> } => f.env.type === "floodReport");
}
function alarms(frames: Received[]) {
  return frames.filter((f): f is Received & { env: Envelope<"floodAlarm"> } => f.env.type === "floodAlarm");
}

/** every report within ±5 mm of the true level; returns the worst error */
function checkLevels(frames: Received[]): number {
  let worst = 0;
  for (const r of reports(frames)) {
    const err = Math.abs(r.env.body.levelMm - r.truthMm);
    expect(err, `level at ${r.atMs} ms: ${r.env.body.levelMm} vs ${r.truthMm.toFixed(1)}`).toBeLessThanOrEqual(5);
    worst = Math.max(worst, err);
    expect(r.env.body.distanceMm + r.env.body.levelMm).toBe(HEIGHT);
  }
  return worst;
}

/**
 * Each true status change has exactly one alarm, sent at the first measurement after it (or one
 * measurement before, when noise reaches the threshold first): within one interval in effect.
 */
function checkAlarms(frames: Received[], expected: Transition[]): number[] {
  const got = alarms(frames);
  expect(got.map((a) => [a.env.body.previous, a.env.body.status])).toEqual(expected.map((e) => [e.previous, e.status]));
  return got.map((a, i) => {
    const e = expected[i]!;
    const lateMs = a.atMs - e.atMs;
    // the interval in effect before the change: fast once at alert, normal (at most) below
    const intervalMs = (e.previous > 0 ? 60 : 300) * 1000;
    expect(lateMs, `alarm ${e.previous}->${e.status}`).toBeLessThanOrEqual(intervalMs + 2000);
    expect(lateMs).toBeGreaterThanOrEqual(-intervalMs);
    const report = frames.find((f) => f.atMs === a.atMs && f.env.type === "floodReport");
    expect(report?.env.body).toMatchObject({ status: a.env.body.status });
    expect(a.env.body.thresholdMm).toBe(e.status > e.previous ? (e.status === 2 ? DANGER : ALERT) : (e.status === 1 ? DANGER : ALERT));
    return lateMs;
  });
}

function maxSize(frames: Received[], type: string): number {
  return Math.max(0, ...frames.filter((f) => f.env.type === type).map((f) => f.length));
}

describe("flood role on XS", () => {
  const wave = { wave: { baseMm: 400, peakMm: 1900, startMs: 2 * HOUR, riseMs: 2 * HOUR, fallMs: 4 * HOUR } };

  it("follows a flood wave within 5 mm through 1 % wild readings and passing objects, with one alarm per crossing", async () => {
    const s: FloodScenario = {
      settings, key: key(), sensor: "maxbotix", seed: 5, heightMm: HEIGHT, level: wave,
      temperature: { meanC: 29, swingC: 8 }, spikes: 0.01, obstructionsPerHour: 20,
    };
    const total = 10 * HOUR;
    const { frames, last } = await runScenario(s, total);
    const worst = checkLevels(frames);
    const late = checkAlarms(frames, truthTransitions(s, total));
    expect(last.ranger.wild).toBeGreaterThan(5);
    expect(last.ranger.obstructions).toBeGreaterThan(100);
    expect(last.blips).toBeGreaterThan(0);
    // rising fast, the station was measuring every minute when each threshold was crossed
    expect(Math.max(...late)).toBeLessThanOrEqual(62_000);
    expect(last.ranger.errors).toBe(0);
    // reporting sped up while the water was high or rising
    const during = reports(frames).filter((r) => r.atMs > 3 * HOUR && r.atMs < 5 * HOUR);
    expect(during.length).toBeGreaterThan(100);
    const rising = reports(frames).find((r) => Math.abs(r.atMs - 3 * HOUR) < 60_000)!;
    expect(rising.env.body.riseMmPerH).toBeGreaterThan(900);
    expect(rising.env.body.temperatureDc).toBeGreaterThan(200);
    measured["maxbotix flood wave"] = {
      reports: reports(frames).length, worstLevelErrorMm: worst, alarmDelaysMs: late, blips: last.blips, ranger: last.ranger,
      frameBytes: { floodReport: maxSize(frames, "floodReport"), floodAlarm: maxSize(frames, "floodAlarm") },
    };
  });

  it("does not chatter while the level hovers at a threshold", async () => {
    const s: FloodScenario = {
      settings, key: key(), sensor: "maxbotix", seed: 6, heightMm: HEIGHT, spikes: 0.01,
      level: { hover: [[1200_000, ALERT - 50, 0, 1], [3 * HOUR, ALERT, 12, 900_000], [6 * HOUR, ALERT - HYST, 12, 700_000]] },
    };
    const total = 6 * HOUR;
    const { frames } = await runScenario(s, total);
    const expected = truthTransitions(s, total);
    expect(expected.map((e) => e.status)).toEqual([1, 0]);
    checkLevels(frames);
    checkAlarms(frames, expected);
    const crossingsOfAlert = reports(frames).filter((r, i, all) => i > 0 && (r.env.body.levelMm >= ALERT) !== (all[i - 1]!.env.body.levelMm >= ALERT)).length;
    expect(crossingsOfAlert).toBeGreaterThan(10);
    // the same water without a deadband would have chattered
    const bare = await runScenario({ ...s, key: key(), settings: { ...settings, hysteresisMm: 0 } }, total);
    expect(alarms(bare.frames).length).toBeGreaterThan(6);
    measured["hover at a threshold"] = {
      reports: reports(frames).length, levelCrossingsOfAlert: crossingsOfAlert, alarms: alarms(frames).length,
      alarmsWithoutHysteresis: alarms(bare.frames).length,
    };
  });

  it("reads a pressure transducer as well", async () => {
    const s: FloodScenario = { settings, key: key(), sensor: "pressure", seed: 9, heightMm: HEIGHT, level: wave, spikes: 0.01 };
    const total = 9 * HOUR;
    const { frames } = await runScenario(s, total);
    const worst = checkLevels(frames);
    const late = checkAlarms(frames, truthTransitions(s, total));
    expect(reports(frames).every((r) => r.env.body.temperatureDc === undefined)).toBe(true);
    measured["pressure flood wave"] = { reports: reports(frames).length, worstLevelErrorMm: worst, alarmDelaysMs: late };
  });
});
