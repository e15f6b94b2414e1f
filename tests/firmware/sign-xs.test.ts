// The sign role on the real XS engine, fed by simulated radars: vehicles at known speeds,
// noisy, with dropouts, junk and split lines. Frames go through the gateway's verifyFrame.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startXs, type XsSession } from "../xs/harness.js";
import { MAX_AIR_FRAME } from "../../shared/messages.js";
import type { VehicleTruth } from "../../firmware/sim/physics/radar.js";
import type { RunResult, SignScenario } from "./fixtures/sign-entry.js";
import {
  closingInterval, decodeFrames, DisplayReplay, intervals, nearestRank, signKey, type Decoded,
} from "./fixtures/sign-analysis.js";

const ENTRY = "tests/firmware/fixtures/sign-entry.ts";
const INTERVAL_MS = 300_000;
const GAP_MS = 1500;
const LIMIT = 50;
const MARGIN = 5;
const BLANK_ABOVE = 100;
const settings = { limitKmh: LIMIT, flashMarginKmh: MARGIN, blankAboveKmh: BLANK_ABOVE, statsIntervalS: 300, gapMs: GAP_MS };

let xs: XsSession;

beforeAll(async () => {
  xs = await startXs(ENTRY, { meteringLimit: 0 });
});

afterAll(async () => {
  await xs?.close();
});

interface Collected {
  frames: Decoded[];
  vehicles: VehicleTruth[];
  display: DisplayReplay;
  last: RunResult;
}

async function runScenario(scenario: SignScenario, totalMs: number, stepMs = 600_000): Promise<Collected> {
  await xs.call("setup", scenario);
  const out: Collected = { frames: [], vehicles: [], display: new DisplayReplay(), last: undefined as unknown as RunResult };
  for (let t = 0; t < totalMs; t += stepMs) {
    const { value } = await xs.call<RunResult>("run", Math.min(stepMs, totalMs - t));
    for (const f of value.frames) expect(f.bytes.length).toBeLessThanOrEqual(MAX_AIR_FRAME);
    out.frames.push(...decodeFrames(value.frames));
    out.vehicles.push(...value.vehicles);
    for (const d of value.display) out.display.add(d.atMs, d.text);
    out.last = value;
  }
  return out;
}

interface Accuracy {
  intervals: number;
  vehicles: number;
  worstP85: number;
  worstMax: number;
  worstMeanDkmh: number;
}

/** compares every interval's statistics with the truth of the vehicles it closed */
function checkStats(c: Collected): Accuracy {
  const reports = intervals(c.frames, INTERVAL_MS);
  const approaching = c.vehicles.filter((v) => v.approaching);
  const acc: Accuracy = { intervals: reports.length, vehicles: 0, worstP85: 0, worstMax: 0, worstMeanDkmh: 0 };
  for (const r of reports) {
    const mine = approaching.filter((v) => closingInterval(v, GAP_MS, INTERVAL_MS) === r.index);
    const speeds = mine.map((v) => v.speedKmh).sort((a, b) => a - b);
    expect(r.stats.count, `interval ${r.index} count`).toBe(speeds.length);
    expect(r.stats.limitKmh).toBe(LIMIT);
    expect(r.stats.intervalS).toBe(300);
    acc.vehicles += r.stats.count;
    if (speeds.length === 0) {
      expect(r.stats.p85Kmh).toBeUndefined();
      expect(r.bins).toEqual([]);
      continue;
    }
    const p85 = nearestRank(speeds, 85);
    const max = speeds[speeds.length - 1] as number;
    const meanDkmh = (speeds.reduce((s, v) => s + v, 0) / speeds.length) * 10;
    acc.worstP85 = Math.max(acc.worstP85, Math.abs((r.stats.p85Kmh ?? NaN) - p85));
    acc.worstMax = Math.max(acc.worstMax, Math.abs((r.stats.maxKmh ?? NaN) - max));
    acc.worstMeanDkmh = Math.max(acc.worstMeanDkmh, Math.abs((r.stats.meanSpeedDkmh ?? NaN) - meanDkmh));
    const nearLimit = speeds.filter((s) => Math.abs(s - LIMIT) <= 1).length;
    const over = speeds.filter((s) => s > LIMIT).length;
    expect(Math.abs(r.stats.overLimit - over), `interval ${r.index} over limit: ${JSON.stringify({ stats: r.stats, speeds })}`).toBeLessThanOrEqual(nearLimit);
    expect(r.bins.reduce((s, n) => s + n, 0)).toBe(speeds.length);
    const nearEdge = speeds.filter((s) => Math.abs(s / 5 - Math.round(s / 5)) * 5 <= 1).length;
    const truthBins: number[] = [];
    for (const s of speeds) truthBins[Math.floor(s / 5)] = (truthBins[Math.floor(s / 5)] ?? 0) + 1;
    let binErrors = 0;
    for (let i = 0; i < Math.max(truthBins.length, r.bins.length); i++) binErrors += Math.abs((truthBins[i] ?? 0) - (r.bins[i] ?? 0));
    expect(binErrors, `interval ${r.index}: ${JSON.stringify({ bins: r.bins, truthBins, speeds })}`).toBeLessThanOrEqual(2 * nearEdge);
  }
  expect(acc.worstP85).toBeLessThanOrEqual(1);
  expect(acc.worstMax).toBeLessThanOrEqual(1);
  expect(acc.worstMeanDkmh).toBeLessThanOrEqual(10);
  return acc;
}

const measured: Record<string, unknown> = {};

afterAll(() => {
  console.log(`sign XS measurements: ${JSON.stringify(measured, null, 1)}`);
});

describe("sign role on XS: statistics from realistic radar output", () => {
  const cases: [string, SignScenario["radar"], Record<string, unknown>][] = [
    ["OPS243 JSON lines in m/s", { model: "ops243", format: "json", units: "UM", seed: 11 }, { radarModel: "ops243", radarUnits: "UM" }],
    ["OPS243 plain numbers in km/h", { model: "ops243", format: "plain", units: "UK", seed: 12 }, { radarModel: "ops243", radarUnits: "UK" }],
    ["HLK-LD2415H lines", { model: "ld2415", seed: 13 }, { radarModel: "ld2415" }],
  ];
  for (const [name, radar, radarSettings] of cases) {
    it(`${name}: every vehicle counted once, p85 and max within 1 km/h`, async () => {
      const c = await runScenario({
        key: signKey(),
        settings: { ...settings, ...radarSettings },
        radar: { ...radar, junk: 0.01, truncate: 0.01 },
        traffic: { random: { seed: radar.seed + 100, meanIdleMs: 12_000, meanSpeedKmh: 48, sdSpeedKmh: 14, outbound: 0.25 } },
      }, 2 * 3600_000);
      const acc = checkStats(c);
      expect(acc.intervals).toBe(24);
      expect(acc.vehicles).toBeGreaterThan(250);
      // the noise the parsers had to survive
      expect(c.last.radar.errors).toBeGreaterThan(20);
      expect(c.last.clutterReports).toBeGreaterThan(5);
      expect(c.last.blips).toBeGreaterThanOrEqual(c.last.clutterReports);
      measured[name] = { ...acc, radar: c.last.radar, blips: c.last.blips, frameBytes: frameSizes(c.frames) };
    });
  }
});

describe("sign role on XS: the display", () => {
  const passes = [30, 45, 52, 53.5, 58, 62, 75, 99, 120, 44].map((speedKmh) => ({ afterMs: 5000, speedKmh, approaching: true }));
  passes.splice(3, 0, { afterMs: 5000, speedKmh: 70, approaching: false });

  function expected(kmh: number) {
    if (kmh > BLANK_ABOVE) return { mode: "blank", flashing: false, message: "" };
    return { mode: "speed", flashing: kmh > LIMIT + MARGIN, message: kmh > LIMIT ? "PELAN-PELAN" : "" };
  }

  it("shows the approaching speed, warns above the limit, flashes above the margin, withholds racing speeds, blanks when the vehicle is gone", async () => {
    const c = await runScenario({
      key: signKey(), settings: { ...settings, radarModel: "ld2415" },
      radar: { model: "ld2415", seed: 21, junk: 0.01, truncate: 0.01 }, traffic: { scripted: passes },
    }, 240_000, 240_000);
    expect(c.vehicles.map((v) => v.speedKmh)).toEqual(passes.map((p) => p.speedKmh));
    for (const v of c.vehicles) {
      const inView = c.display.at(v.enterMs + 1500);
      const gone = c.display.at(v.lastIntactMs + GAP_MS + 300);
      expect(gone.mode, `blank after the ${v.speedKmh} km/h vehicle left`).toBe("blank");
      if (!v.approaching) {
        for (let t = v.enterMs; t < v.lastIntactMs; t += 250) expect(c.display.at(t).mode).toBe("blank");
        continue;
      }
      expect(inView, `display for ${v.speedKmh} km/h`).toMatchObject(expected(v.speedKmh));
      if (inView.mode === "speed") expect(Math.abs(inView.speedKmh - v.speedKmh)).toBeLessThanOrEqual(1);
      else for (let t = v.enterMs; t < v.lastIntactMs; t += 100) expect(c.display.at(t).mode).toBe("blank");
    }
    const state = (await xs.call<Record<string, unknown>>("displayState")).value;
    expect(state).toEqual({ mode: "idle", speedKmh: 0, flashing: false, message: "" });
    measured["display changes (scripted 10 vehicles)"] = c.display.count;
  });

  it("spy mode keeps the display dark while counting every vehicle", async () => {
    const c = await runScenario({
      key: signKey(), settings: { ...settings, radarModel: "ld2415", spyMode: true },
      radar: { model: "ld2415", seed: 31 },
      traffic: { random: { seed: 131, meanIdleMs: 8000, meanSpeedKmh: 55, sdSpeedKmh: 15, outbound: 0.2 } },
    }, 1800_000);
    expect(c.display.count).toBe(1);
    expect(c.display.at(1800_000).mode).toBe("blank");
    expect((await xs.call<{ mode: string }>("displayState")).value.mode).toBe("spy");
    const acc = checkStats(c);
    expect(acc.vehicles).toBeGreaterThan(80);
    expect(acc.vehicles).toBe(c.vehicles.filter((v) => v.approaching && v.lastIntactMs + GAP_MS <= 1800_000).length);
  });

  it("takes a new limit and spy mode at run time and refuses what needs a restart", async () => {
    const fast = [{ afterMs: 3000, speedKmh: 58, approaching: true }, { afterMs: 3000, speedKmh: 58, approaching: true }, { afterMs: 3000, speedKmh: 58, approaching: true }];
    await xs.call("setup", { key: signKey(), settings: { ...settings, radarModel: "ld2415" }, radar: { model: "ld2415", seed: 41 }, traffic: { scripted: fast } });
    const first = await xs.call<RunResult>("run", 12_000);
    const replay = new DisplayReplay();
    for (const d of first.value.display) replay.add(d.atMs, d.text);
    const v1 = first.value.vehicles[0]!;
    expect(replay.at(v1.enterMs + 1500)).toMatchObject({ mode: "speed", flashing: true, message: "PELAN-PELAN" });
    expect((await xs.call("applySetting", "limitKmh", 60)).value).toBe(true);
    expect((await xs.call("applySetting", "blankAboveKmh", 40)).value).toBe(false);
    expect((await xs.call("applySetting", "radarModel", "ops243")).value).toBe(false);
    const second = await xs.call<RunResult>("run", 8_000);
    for (const d of second.value.display) replay.add(d.atMs, d.text);
    const v2 = second.value.vehicles[0]!;
    expect(replay.at(v2.enterMs + 1500)).toMatchObject({ mode: "speed", flashing: false, message: "" });
    expect((await xs.call("applySetting", "spyMode", true)).value).toBe(true);
    const third = await xs.call<RunResult>("run", 10_000);
    expect(third.value.vehicles).toHaveLength(1);
    // the display was already blank, so going dark writes nothing, and the vehicle shows nothing
    expect(third.value.display).toEqual([]);
    expect((await xs.call<{ mode: string }>("displayState")).value.mode).toBe("spy");
  });
});

function frameSizes(frames: Decoded[]): Record<string, number> {
  const sizes: Record<string, number> = {};
  for (const f of frames) sizes[f.env.type] = Math.max(sizes[f.env.type] ?? 0, f.length);
  return sizes;
}
