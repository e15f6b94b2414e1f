// The loop role on the real XS engine over Indonesian roads (scenarios and their sources in
// fixtures/loop-roads.ts): motorcycle-dominant mixed traffic, toll-road tailgating, stop-and-go
// congestion and a 1 %/h drift, each at the sensitivities 16, 4 and 1 (0.16, 0.04, 0.01 %) and
// the default. The reference is what the physics lets a loop separate and see: vehicles the
// lead loop never lies clear between are one detection (two motorcycles abreast), and one whose
// ΔL/L stays below the threshold is not seen (a motorcycle at 0.16 %).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startXs, type XsSession } from "../xs/harness.js";
import { detections, type LoopSite } from "../../firmware/sim/physics/loop-traffic.js";
import { parseLoopSettings } from "../../firmware/roles/loop/settings.js";
import { compareSeparable, summarizeSeparable, type SeparableSummary } from "./fixtures/loop-analysis.js";
import { runScenario } from "./fixtures/loop-run.js";
import { mixedUrban, NOISE_PPM, stopAndGo, tailgating, TRAP, drifting, type RoadScenario } from "./fixtures/loop-roads.js";

const ENTRY = "tests/firmware/fixtures/loop-entry.ts";
/** the loop must lie clear this long between two vehicles for them to be told apart */
const CLEAR_MS = 50;
const defaults = parseLoopSettings({});
const DEFAULT_SENSITIVITY = defaults.ok ? Math.round(defaults.config.sensitivity * 10_000) : NaN;
const SENSITIVITIES = [...new Set([16, 4, 1, DEFAULT_SENSITIVITY])];

let xs: XsSession;
const measured: Record<string, SeparableSummary & { faults: number }> = {};

beforeAll(async () => {
  xs = await startXs(ENTRY, { meteringLimit: 0, name: "loop-roads" });
});

afterAll(async () => {
  await xs?.close();
  console.log(`loop roads on XS (counted/separable, worst speed km/h, worst occupancy points):\n${
    Object.entries(measured).map(([k, m]) =>
      `${k.padEnd(20)} ${m.counted}/${m.separable} (near ${m.near}, vehicles ${m.vehicles}) ${m.countErrorPct.toFixed(2)} %, ` +
      `speed ${m.worstSpeedKmh.toFixed(2)}, occupancy ${m.worstOccupancyPp.toFixed(2)}, fault bits ${m.faults}`).join("\n")}`);
});

const scenarios: RoadScenario[] = [mixedUrban(540), tailgating(420), stopAndGo(60, 340), drifting(300)];

describe.each(scenarios)("loop role on XS, Indonesian roads: $name", (scenario) => {
  it.each(SENSITIVITIES)("at sensitivity %i: count within 2 % of what the loop can separate, speed within 2 km/h, occupancy within 1 point", async (sensitivity) => {
    const c = await runScenario(xs, {
      settings: { sensitivity, lanes: "00", spacingCm: 366 },
      loops: TRAP,
      traffic: { vehicles: scenario.vehicles },
      keepVehicles: true,
      drift: scenario.drift,
      noisePpm: NOISE_PPM,
    });
    const threshold = sensitivity / 10_000;
    const rows = compareSeparable(c.records, detections(c.vehicles, TRAP[0] as LoopSite, CLEAR_MS), TRAP[0] as LoopSite, TRAP[1] as LoopSite, 60, threshold);
    const sum = summarizeSeparable(rows);
    const faults = c.faults.reduce((bits, f) => bits | f.bits, 0);
    measured[`${scenario.name} @${sensitivity}`] = { ...sum, faults };
    expect(sum.vehicles).toBe(c.vehicles.length);
    expect(Math.abs(sum.counted - sum.separable)).toBeLessThanOrEqual(0.02 * sum.separable + sum.near);
    expect(sum.worstSpeedKmh).toBeLessThanOrEqual(2);
    expect(sum.worstOccupancyPp).toBeLessThanOrEqual(1);
    expect(faults, "no stuck presence, chatter or loop fault").toBe(0);
  }, 300_000);
});
