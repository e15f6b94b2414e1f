// The loop role's parts on Node: settings, the detector's resolution and robustness, pairing,
// classes, the record's byte budget, and the oscillator physics.

import { describe, expect, it } from "vitest";
import { LoopDetector, MAX_WINDOW, rampStart, type DetectorListener, type DetectorOptions } from "../../firmware/roles/loop/detector.js";
import { parseLoopSettings, type LoopConfig } from "../../firmware/roles/loop/settings.js";
import { BODY_BUDGET, bodyBytes, fitBudget, IntervalAggregator } from "../../firmware/roles/loop/interval.js";
import { SpeedTrap } from "../../firmware/roles/loop/speed-trap.js";
import { TWO_WHEELER_SHIFT, vehicleClass, vehicleLengthM } from "../../firmware/roles/loop/classify.js";
import { loopRole } from "../../firmware/roles/loop/role.js";
import {
  LoopTraffic, listTraffic, seededRandom, STAMP_CYCLES, STAMP_TICK_MS, typicalLoop, type LoopSite, type Vehicle,
} from "../../firmware/sim/physics/loop-traffic.js";
import { SimPlatform } from "../../firmware/sim/sim-platform.js";
import { encodeFrame, MAX_BOOT, MAX_DEVICE_ID, MAX_SEQ } from "../../shared/envelope.js";
import { Fault, MAX_AIR_FRAME } from "../../shared/messages.js";
import type { LoopIntervalBody } from "../../shared/roles/loop.js";

function config(settings: Record<string, number | string> = {}): LoopConfig {
  const parsed = parseLoopSettings(settings);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.config;
}

describe("loop settings", () => {
  it("defaults to a 2-loop speed trap at 0.04 % (motorcycles seen) with 20 ms gates and 60 s records", () => {
    const c = config();
    expect(c.lanes).toEqual([{ lane: 0, loops: [0, 1], sensitivity: 0.0004 }]);
    expect(c.sensitivity).toBeCloseTo(0.0004, 10);
    expect(c).toMatchObject({ gateMs: 20, intervalS: 60, spacingM: 3.66, loopLengthM: 1.8, maxPresenceMs: 240_000 });
    expect(c.classEdgesM).toEqual([2.1, 6.7, 11.3, 18.6]);
    expect(config({ loops: 4 }).lanes.map((l) => l.loops)).toEqual([[0, 1], [2, 3]]);
    expect(config({ loops: 3, lanes: "012" }).lanes.map((l) => l.loops)).toEqual([[0], [1], [2]]);
  });

  it("takes a sensitivity per lane, lane:step pairs over the station's", () => {
    const lanes = config({ loops: 4, lanes: "0011", sensitivity: 8, laneSensitivity: "1:1" }).lanes;
    expect(lanes.map((l) => l.sensitivity)).toEqual([0.0008, 0.0001]);
    expect(config({ loops: 3, lanes: "012", laneSensitivity: "2:16,0:2" }).lanes.map((l) => l.sensitivity)).toEqual([0.0002, 0.0004, 0.0016]);
    for (const bad of ["2:4", "0:3", "0:4,0:2", "0", "x:4"]) {
      const parsed = parseLoopSettings({ laneSensitivity: bad });
      expect(parsed.ok, bad).toBe(false);
      expect(parsed.ok ? "" : parsed.reason).toMatch(/^laneSensitivity/);
    }
    expect(parseLoopSettings({ laneSensitivity: 4 }).ok).toBe(false);
  });

  it("refuses values the detector or the wire cannot honour", () => {
    const reasons = ([
      { sensitivity: 5 }, { intervalS: 45 }, { intervalS: 120 }, { loops: 5 }, { lanes: "0" }, { loops: 3, lanes: "000" },
      { lanes: "09" }, { classEdgesDm: "67,21,113" }, { classEdgesDm: "21,67" }, { gateMs: 5 }, { fMinHz: 300_000 },
      { spacingCm: "366" },
    ] as Record<string, number | string>[]).map((s) => parseLoopSettings(s));
    for (const r of reasons) expect(r.ok).toBe(false);
  });
});

interface Events {
  arrivals: number[];
  departures: { on: number; off: number; centroid: number; peak: number }[];
}

function detector(options: Partial<DetectorOptions> = {}): { d: LoopDetector; events: Events } {
  const events: Events = { arrivals: [], departures: [] };
  const listener: DetectorListener = {
    arrive: (_l, t) => events.arrivals.push(t),
    depart: (_l, on, off, centroid, peak) => events.departures.push({ on, off, centroid, peak }),
    tuned: () => undefined,
  };
  const d = new LoopDetector(0, {
    sensitivity: 0.0016, hysteresis: 0.7, gateMs: 20, maxPresenceMs: 240_000, fMinHz: 10_000, fMaxHz: 200_000,
    chatterPerS: 4, trackTauMs: 60_000, ...options,
  }, listener, 0, TICK_MS);
  return { d, events };
}

const TICK_MS = 1 / 80_000;

/** an oscillator's cycles so far and its last stamped edge, with white frequency noise per gate */
interface Oscillator {
  /** integrated up to here */
  atMs: number;
  cycles: number;
  /** when the latest 64th edge passed */
  edgeMs: number;
  stamped: number;
  stampMs: number;
  noise: number;
  random: () => number;
}

function oscillator(noisePpm = 0): Oscillator {
  return { atMs: 0, cycles: 0, edgeMs: 0, stamped: 0, stampMs: 0, noise: noisePpm * 1e-6, random: seededRandom(3) };
}

/** feeds reciprocal-counting reads (a stamp every 64 cycles, at its exact time) from fromMs to toMs */
function feed(d: LoopDetector, hz: (tMs: number) => number, fromMs: number, toMs: number, gateMs = 20, osc = oscillator()): void {
  for (let t = fromMs + gateMs; t <= toMs; t += gateMs) {
    const u = 1 - osc.random();
    const scale = 1 + osc.noise * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * osc.random());
    for (let ms = osc.atMs; ms < t; ms++) {
      const step = (hz(ms + 0.5) / 1000) * scale;
      const edge = Math.floor((osc.cycles + step) / 64) * 64;
      if (edge > osc.cycles) osc.edgeMs = ms + (edge - osc.cycles) / step;
      osc.cycles += step;
    }
    osc.atMs = t;
    const edge = Math.floor(osc.cycles / 64) * 64;
    if (edge <= osc.stamped) {
      d.sample(0, 0, t);
      continue;
    }
    d.sample(edge - osc.stamped, osc.edgeMs - osc.stampMs, t);
    osc.stamped = edge;
    osc.stampMs = osc.edgeMs;
  }
}

describe("loop detector", () => {
  it("resolves every step down to 0.01 % in one gate on a sound loop, and sizes the window from the noise it measures", () => {
    for (const sensitivity of [0.0016, 0.0004, 0.0001]) {
      const { d } = detector({ sensitivity });
      feed(d, () => 100_000, 0, 1100, 20, oscillator(3));
      expect(d.tuned).toBe(true);
      expect(d.noisePerGate * 1e6).toBeGreaterThan(1.5);
      expect(d.noisePerGate * 1e6).toBeLessThan(6);
      expect(d.neededWindow).toBe(1);
      expect(d.effectiveSensitivity).toBeCloseTo(sensitivity, 10);
    }
    // a loop 40 ppm noisy per read: 0.01 % (35 ppm off threshold in f) needs ⌈(5·40/35)²⌉ = 33 gates
    const { d } = detector({ sensitivity: 0.0001 });
    feed(d, () => 100_000, 0, 1100, 20, oscillator(40));
    expect(d.neededWindow).toBeGreaterThan(20);
    expect(d.neededWindow).toBeLessThan(50);
    // ever noisier: the window stops at MAX_WINDOW and the sensitivity coarsens instead
    const { d: worse } = detector({ sensitivity: 0.0001 });
    feed(worse, () => 100_000, 0, 1100, 20, oscillator(400));
    expect(worse.neededWindow).toBe(MAX_WINDOW);
    expect(worse.effectiveSensitivity).toBeGreaterThan(0.0002);
  });

  it("sees a motorcycle-sized 0.03 % change at 0.01 % within 50 ms, and nothing on a quiet loop", () => {
    const { d, events } = detector({ sensitivity: 0.0001 });
    const osc = oscillator(3);
    const hz = (t: number) => (t >= 3000 && t < 3250 ? 100_000 / Math.sqrt(1 - 0.0003) : 100_000);
    feed(d, hz, 0, 3000, 20, osc);
    expect(events.arrivals).toEqual([]);
    feed(d, hz, 3000, 3040, 20, osc);
    expect(events.arrivals).toHaveLength(1);
    feed(d, hz, 3040, 60_000, 20, osc);
    expect(events.arrivals).toHaveLength(1);
    expect(Math.abs((events.departures[0]?.off ?? NaN) - 3250)).toBeLessThan(20);
  });

  it("sees a 1 % step as one vehicle with edges within a gate and its peak", () => {
    const { d, events } = detector();
    const hz = (t: number) => (t >= 3013 && t < 3513 ? 100_000 / Math.sqrt(0.99) : 100_000);
    feed(d, hz, 0, 5000);
    expect(events.arrivals.length).toBe(1);
    const [v] = events.departures;
    expect(Math.abs((v?.on ?? NaN) - 3013)).toBeLessThan(20);
    expect(Math.abs((v?.off ?? NaN) - 3513)).toBeLessThan(20);
    expect(Math.abs((v?.centroid ?? NaN) - 3263)).toBeLessThan(2);
    expect(Math.abs((v?.peak ?? NaN) - 0.01)).toBeLessThan(0.001);
  });

  it("skips reads of unexpected size and late reads without inventing vehicles or faults", () => {
    const { d, events } = detector({ sensitivity: 0.0004 });
    const osc = oscillator();
    feed(d, () => 100_000, 0, 2000, 20, osc);
    d.sample(2048 + 65_536, 20.48, 2020); // a corrupted read
    d.sample(-64, 0.64, 2040);
    d.sample(Number.NaN, 20, 2060);
    d.sample(0, 0, 2080); // no stamp
    d.sample(1e9, 20, 2100);
    d.sample(2048, 0, 2120); // cycles with no span
    feed(d, () => 100_000, 2400, 4000, 20, osc); // the first read after a 280 ms gap spans it, consistent with f
    expect(events.arrivals).toEqual([]);
    expect(d.faults).toBe(0);
    expect(d.takeEvents()).toBe(0);
  });

  it("raises loopOpen after a second of zero counts and loopShorted above the range; clears them", () => {
    const { d } = detector();
    const osc = oscillator();
    feed(d, () => 100_000, 0, 2000, 20, osc);
    feed(d, () => 0, 2000, 2980, 20, osc);
    expect(d.faults).toBe(0);
    feed(d, () => 0, 2980, 3000, 20, osc);
    expect(d.faults).toBe(Fault.loopOpen);
    feed(d, () => 100_000, 3000, 4100, 20, osc); // the first read after spans the open time
    expect(d.faults).toBe(0);
    feed(d, () => 180_000, 4000, 5100, 20, osc); // shorted turns: +80 %
    expect(d.faults).toBe(Fault.loopShorted);
    expect(d.takeEvents()).toBe(Fault.loopOpen | Fault.loopShorted);
  });

  it("follows a steady drift without lag and re-tunes after the maximum presence", () => {
    const { d, events } = detector({ sensitivity: 0.0004, maxPresenceMs: 60_000 });
    const osc = oscillator();
    // f rises 0.5 % an hour for 30 minutes: 2.5 thresholds' worth, never a vehicle
    feed(d, (t) => 100_000 * (1 + (0.005 * t) / 3_600_000), 0, 1_800_000, 20, osc);
    expect(events.arrivals).toEqual([]);
    expect(Math.abs(d.baselineHz / (100_000 * (1 + 0.0025)) - 1)).toBeLessThan(5e-6);
    // a vehicle parks on the loop for 80 s, the drift going on beneath it
    const drifting = (t: number) => 100_000 * (1 + (0.005 * t) / 3_600_000);
    feed(d, (t) => drifting(t) * (t < 1_880_000 ? 1.02 : 1), 1_800_000, 1_900_000, 20, osc);
    expect(events.arrivals.length).toBe(1);
    expect(d.takeEvents() & Fault.stuckPresence).toBe(Fault.stuckPresence);
    expect(events.departures[0]?.off).toBeCloseTo(1_800_000 + 60_020, -2);
    // after it leaves, the baseline comes back down quickly and the loop detects again
    expect(Math.abs(d.baselineHz / drifting(1_900_000) - 1)).toBeLessThan(1e-4);
    // and follows the drift on, its trend not dragged down by the vehicle's leaving (no phantom),
    // within a tenth of the off threshold (0.014 % in f) 100 s later
    feed(d, drifting, 1_900_000, 2_000_000, 20, osc);
    expect(events.arrivals.length).toBe(1);
    expect(Math.abs(d.baselineHz / drifting(2_000_000) - 1)).toBeLessThan(1.4e-5);
  });

  it("does not learn a vehicle halted with a little metal on the loop, just under the off threshold", () => {
    // 0.04 %: off at 0.014 % in f; a motorcycle's rear over the loop's edge holds f 0.012 % up for 15 s
    const { d } = detector({ sensitivity: 0.0004 });
    const osc = oscillator();
    feed(d, (t) => 100_000 * (t >= 2000 && t < 17_000 ? 1.00012 : 1), 0, 17_000, 20, osc);
    // the baseline moves no faster than the steepest drift (1 % of f an hour: 0.004 % in 15 s)
    expect(d.baselineHz / 100_000 - 1).toBeLessThan(0.00005);
  });

  it("learns a drift within a minute of start-up, so that a truck standing 40 s carries the baseline with it", () => {
    const { d, events } = detector({ sensitivity: 0.0001 });
    const osc = oscillator(3);
    // f rises 0.5 % an hour from the start; a 1 % vehicle stands on the loop from 60 s to 100 s
    const rest = (t: number) => 100_000 * (1 + (0.005 * t) / 3_600_000);
    feed(d, (t) => rest(t) * (t >= 60_000 && t < 100_000 ? 1.005 : 1), 0, 100_100, 20, osc);
    expect(events.departures).toHaveLength(1);
    expect(Math.abs((events.departures[0]?.off ?? NaN) - 100_000)).toBeLessThan(40);
    // it drifted 56 ppm meanwhile: the baseline is within a tenth of the off threshold (35 ppm) of it
    expect(Math.abs(d.baselineHz / rest(100_100) - 1)).toBeLessThan(3.5e-6);
  });

  it("does not learn a weak vehicle left standing on the loop as the one before it leaves", () => {
    const { d, events } = detector({ sensitivity: 0.0004 });
    const osc = oscillator(3);
    // a car leaves at 3 s; the motorcycle behind it halts with its rear over the loop's edge for 30 s (0.012 % in f, under the 0.014 % off threshold)
    feed(d, (t) => 100_000 * (t >= 2000 && t < 3000 ? 1.005 : t >= 3000 && t < 33_000 ? 1.00012 : 1), 0, 33_000, 20, osc);
    expect(events.departures).toHaveLength(1);
    expect(d.baselineHz / 100_000 - 1).toBeLessThan(0.00001);
  });

  it("does not take a vehicle rolling on for the empty loop's level that the one left standing after it is a step from", () => {
    const { d, events } = detector({ sensitivity: 0.0004 });
    const osc = oscillator(3);
    // a car creeps on from 2 s (30 ppm a second, a rise under the 35 ppm step but over half of it),
    // covers the loop at 3.2 s, and leaves at 4.2 s a motorcycle behind it standing 30 s at 60 ppm
    // (between the step and the 140 ppm off threshold)
    const shift = (t: number) => (t < 2000 ? 0 : t < 3200 ? (30e-6 * (t - 2000)) / 1000 : t < 4200 ? 0.005 : t < 34_200 ? 60e-6 : 0);
    feed(d, (t) => 100_000 * (1 + shift(t)), 0, 34_200, 20, osc);
    expect(events.departures).toHaveLength(1);
    expect(d.baselineHz / 100_000 - 1).toBeLessThan(0.00001);
  });

  it("catches up at once with a drift the trend missed while a vehicle stood on the loop", () => {
    const { d, events } = detector({ sensitivity: 0.0004 });
    const osc = oscillator();
    // f rises 0.008 % (0.7 % an hour) during a 40 s stop: a trend not yet learnt leaves that behind
    const hz = (t: number) => 100_000 * (1 + 0.00008 * Math.min(1, Math.max(0, (t - 2000) / 40_000))) * (t >= 2000 && t < 42_000 ? 1.01 : 1);
    feed(d, hz, 0, 62_000, 20, osc);
    expect(events.departures).toHaveLength(1);
    // 20 s after it left the baseline has taken up most of it (at the drift's own pace: a third)
    expect(Math.abs(d.baselineHz / (100_000 * 1.00008) - 1)).toBeLessThan(0.00002);
  });

  it("traces a rise from a standing level back along its slope, but not to before the vehicle ahead left", () => {
    const { d, events } = detector({ sensitivity: 0.0004 });
    const osc = oscillator(3);
    // a car leaves at 3 s over a motorcycle standing partly on the loop (0.01 % in f), which moves on at 3.1 s
    const x = (t: number) => (t >= 2000 && t < 3000 ? 0.005 : t < 3000 ? 0 : t < 3100 ? 0.0001 : t < 4100 ? 0.0001 + (0.0004 * (t - 3100)) / 1000 : t < 5000 ? 0.0005 : 0);
    feed(d, (t) => 100_000 * (1 + x(t)), 0, 7000, 20, osc);
    expect(events.departures).toHaveLength(2);
    const [car, motorcycle] = events.departures;
    expect(motorcycle?.on ?? NaN).toBeGreaterThanOrEqual(car?.off ?? NaN);
    // its slope where it crosses 0.02 % (0.4 ppm a ms) reaches zero 0.2 s before the crossing: before the car left
    expect(Math.abs((motorcycle?.on ?? NaN) - (car?.off ?? NaN))).toBeLessThan(40);
  });

  it("keeps a weak vehicle left standing above the off threshold after a long stop in the passage, once the drift is fitted", () => {
    const { d, events } = detector({ sensitivity: 0.0001 });
    const osc = oscillator(3);
    // a truck stands 40 s; a motorcycle behind it stays partly on the loop 8 s more, at 0.006 % in f (off threshold 0.0035 %)
    const x = (t: number) => (t >= 20_000 && t < 60_000 ? 0.005 : t >= 60_000 && t < 68_000 ? 0.00006 : 0);
    feed(d, (t) => 100_000 * (1 + x(t)), 0, 75_000, 20, osc);
    expect(events.departures).toHaveLength(1);
    expect(Math.abs((events.departures[0]?.off ?? NaN) - 68_000)).toBeLessThan(60);
    expect(Math.abs(d.baselineHz / 100_000 - 1)).toBeLessThan(3e-6);
  });

  it("keeps a weak vehicle standing a few σ above the off threshold in the passage through the noise's dips under it", () => {
    const { d, events } = detector({ sensitivity: 0.0004 });
    const osc = oscillator(3);
    // a car leaves at 5 s; the motorcycle behind it stands partly on the loop 60 s, at 0.0145 % in
    // f: 1.7 σ of the read noise above the 0.014 % off threshold, under it in one read of 20
    const x = (t: number) => (t >= 2000 && t < 5000 ? 0.005 : t >= 5000 && t < 65_000 ? 0.000145 : 0);
    feed(d, (t) => 100_000 * (1 + x(t)), 0, 70_000, 20, osc);
    expect(events.departures).toHaveLength(1);
    expect(Math.abs((events.departures[0]?.off ?? NaN) - 65_000)).toBeLessThan(60);
  });

  it("does not take the lag of a drift not yet fitted for a weak vehicle left standing after a passage", () => {
    const { d, events } = detector({ sensitivity: 0.0001 });
    const osc = oscillator(3);
    // f rises 1 % an hour from the start, the steepest drift believed (2.8 ppm a second: the level
    // lags it by up to a quarter of the off threshold until the trend is fitted); a motorcycle
    // crosses every 1.1 s from 3 s, 0.25 s on the loop. Taking the lag for a vehicle left standing,
    // the baseline coasted at trend 0, never released the stand, and the loop was stuck present.
    const rest = (t: number) => 100_000 * (1 + (0.01 * t) / 3_600_000);
    const on = (t: number) => t >= 3000 && t < 60_000 && (t - 3000) % 1100 < 250;
    feed(d, (t) => rest(t) * (on(t) ? 1.0005 : 1), 0, 62_000, 20, osc);
    expect(events.departures).toHaveLength(52);
    // every passage is timed within two gates: the trend is fitted within seconds of start-up, as
    // soon as the levels' scatter puts it within what a release allows for (before, it waited for a
    // 5 s spread of samples, 20 s in, and the lag lengthened passages by up to 70 ms meanwhile)
    for (const [i, v] of events.departures.entries()) expect(Math.abs(v.off - v.on - 250), `vehicle ${i}`).toBeLessThan(40);
    // and the baseline is on the drift, within a tenth of the off threshold (35 ppm)
    expect(Math.abs(d.baselineHz / rest(62_000) - 1)).toBeLessThan(3.5e-6);
  });

  it("traces a slow rise and fall at 0.16 % to their feet, though each read's span ends on a stamp", () => {
    const { d, events } = detector();
    const osc = oscillator(3);
    // two motorcycles abreast rolling on at a walk: 1,200 ppm in f over 3 s, held 1 s, gone over
    // 3 s. A read's span ends on a 64-cycle stamp (0.64 ms at 100 kHz): near the 800 ppm threshold
    // its cycles jitter by 3 % with it, more than the rise adds in a gate and than a window sum's noise
    const x = (t: number) => 0.0012 * Math.max(0, Math.min(1, (t - 3000) / 3000, (10_000 - t) / 3000));
    feed(d, (t) => 100_000 * (1 + x(t)), 0, 12_000, 20, osc);
    expect(events.departures).toHaveLength(1);
    expect(Math.abs((events.departures[0]?.on ?? NaN) - 3000)).toBeLessThan(60);
    expect(Math.abs((events.departures[0]?.off ?? NaN) - 10_000)).toBeLessThan(80);
  });

  it("traces a car moving off from a stand just under the threshold along its slope through the gate after the crossing", () => {
    const { d, events } = detector();
    const osc = oscillator(3);
    // a car halts with its nose over the loop at 780 ppm in f (the on threshold is 800) for 10 s, then
    // rolls on at 46 ppm a ms: it crosses the threshold in the first gate of its move, where the
    // slope of the gates before is the stand's; on its slope the move started 17 ms before 13,014
    const x = (t: number) => (t < 3000 ? 0 : t < 13_014 ? 0.00078 : t < 15_000 ? Math.min(0.01, 0.00078 + 46e-6 * (t - 13_014)) : 0);
    feed(d, (t) => 100_000 * (1 + x(t)), 0, 13_020, 20, osc);
    // present from the crossing gate, though its start is placed with the next: a record closing
    // now counts its occupancy from the crossing, not from a start left over from before
    expect(d.occupied).toBe(true);
    expect(Math.abs(d.occupiedSinceMs - 13_000)).toBeLessThan(40);
    feed(d, (t) => 100_000 * (1 + x(t)), 13_020, 17_000, 20, osc);
    expect(events.departures).toHaveLength(1);
    // a window's length (the slope is taken over FOOT_GATES + 1 gates) and some: not 1.2 s early
    expect(Math.abs((events.departures[0]?.on ?? NaN) - 12_997)).toBeLessThan(150);
  });

  it("does not trace a rise back to before it left the noise, when it paused just under the threshold or left the noise for twice its edge in one gate", () => {
    // at 0.16 % a rise of 1,200 ppm in f over 1.5 s climbs two window sums' edge (3 σ) a gate
    const steep = (t: number) => 0.0012 * Math.max(0, Math.min(1, (t - 3000) / 1500, (7000 - t) / 1500));
    const { d: first, events: seen } = detector();
    feed(first, (t) => 100_000 * (1 + steep(t)), 0, 9000, 20, oscillator(3));
    expect(seen.departures).toHaveLength(1);
    expect(Math.abs((seen.departures[0]?.on ?? NaN) - 3000)).toBeLessThan(60);
    const { d, events } = detector();
    const osc = oscillator(3);
    // two motorcycles roll on from 3 s to 780 ppm in f, halt there 200 ms, and creep over the threshold
    const x = (t: number) => (t < 3000 ? 0 : t < 3600 ? (0.00078 * (t - 3000)) / 600 : t < 3800 ? 0.00078 : t < 5000 ? 0.00078 + 0.2e-6 * (t - 3800) : t < 8000 ? 0.00102 : 0);
    feed(d, (t) => 100_000 * (1 + x(t)), 0, 10_000, 20, osc);
    expect(events.departures).toHaveLength(1);
    // the slope where the level crosses the threshold says nothing of when they came
    expect(Math.abs((events.departures[0]?.on ?? NaN) - 3000)).toBeLessThan(60);
  });

  it("takes a level standing between the off and on thresholds beyond the maximum presence for the loop's own, and sees the next vehicle on it", () => {
    const { d, events } = detector({ sensitivity: 0.0004, maxPresenceMs: 60_000 });
    const osc = oscillator(3);
    // f steps up 170 ppm at 5 s and stays (off 140, on 200 ppm): something weak stood down, or the
    // loop itself moved; a motorcycle (300 ppm more) crosses at 80 s for 250 ms
    const x = (t: number) => (t < 5000 ? 0 : 0.00017 + (t >= 80_000 && t < 80_250 ? 0.0003 : 0));
    feed(d, (t) => 100_000 * (1 + x(t)), 0, 79_000, 20, osc);
    expect(events.arrivals).toEqual([]);
    // coasted on it for 60 s, then took it within a tenth of the off threshold
    expect(Math.abs(d.baselineHz / (100_000 * 1.00017) - 1)).toBeLessThan(1.4e-5);
    feed(d, (t) => 100_000 * (1 + x(t)), 79_000, 85_000, 20, osc);
    expect(events.departures).toHaveLength(1);
    expect(Math.abs((events.departures[0]?.on ?? NaN) - 80_000)).toBeLessThan(40);
    expect(Math.abs((events.departures[0]?.off ?? NaN) - 80_250)).toBeLessThan(40);
  });

  it("does not learn a motorcycle creeping onto the loop slower than a step a second, nor take the steepest drift for one", () => {
    const { d, events } = detector({ sensitivity: 0.0004 });
    const osc = oscillator(3);
    // f rises 1 % an hour throughout; a car passes from 20 s to 23 s, then a motorcycle creeps on
    // behind it, 120 ppm in f over 8 s (15 ppm a second, under the 35 ppm step; the off threshold
    // is 140), stands until 53 s, rolls fully on (500 ppm) and has left at 55 s
    const rest = (t: number) => 100_000 * (1 + (0.01 * t) / 3_600_000);
    const x = (t: number) => (t >= 20_000 && t < 23_000 ? 0.005 : t >= 23_000 && t < 53_000 ? 0.00012 * Math.min(1, (t - 23_000) / 8000)
      : t >= 53_000 && t < 55_000 ? Math.max(0.00012, 0.0005 * Math.min(1, (t - 53_000) / 500, (55_000 - t) / 500)) : 0);
    feed(d, (t) => rest(t) * (1 + x(t)), 0, 50_000, 20, osc);
    // the baseline holds within a tenth of the off threshold (before, it took the creep for drift:
    // +69 ppm by 50 s, and the motorcycle's passage began 140 ms late)
    expect(Math.abs(d.baselineHz / rest(50_000) - 1)).toBeLessThan(1.4e-5);
    feed(d, (t) => rest(t) * (1 + x(t)), 50_000, 120_000, 20, osc);
    expect(events.departures).toHaveLength(2);
    expect(Math.abs((events.departures[1]?.on ?? NaN) - 53_000)).toBeLessThan(60);
    // and the drift alone, twice the creep's span and more, is no creep: the baseline is on it
    expect(Math.abs(d.baselineHz / rest(120_000) - 1)).toBeLessThan(1.4e-5);
  });

  it("flags chatter: on-transitions faster than chatterPerS", () => {
    const { d } = detector();
    const osc = oscillator();
    feed(d, () => 100_000, 0, 2000, 20, osc);
    feed(d, (t) => (Math.floor(t / 100) % 2 ? 100_000 * 1.005 : 100_000), 2000, 4000, 20, osc);
    expect(d.takeEvents() & Fault.chatter).toBe(Fault.chatter);
  });

  it("finds where a ramp started from two window sums on its rise, in either regime", () => {
    // coverage a·(t − 100) summed over the 20 ms window before t
    const sum = (t: number, w = 20) => (t - 100 <= w ? (t - 100) ** 2 / 2 : w * (t - 100 - w / 2));
    expect(rampStart(110, sum(110), 118, sum(118), 20)).toBeCloseTo(100, 9); // both in the square regime
    expect(rampStart(140, sum(140), 160, sum(160), 20)).toBeCloseTo(100, 9); // both linear
    expect(rampStart(112, sum(112), 140, sum(140), 20)).toBeCloseTo(100, 9); // one of each
    expect(rampStart(140, 0, 160, 50, 20)).toBe(140);
  });
});

describe("loop speed trap", () => {
  const options = { sensitivity: 0.0004, spacingM: 4, loopLengthM: 1.8, meanLengthM: 5, classEdgesM: [2.1, 6.7, 11.3, 18.6] };

  function trap(): { trap: SpeedTrap; seen: { t: number; v: number; l: number; c: number }[]; late: { t: number; v: number }[] } {
    const aggregator = new IntervalAggregator({ lane: 0, intervalS: 60, classCount: 5 }, 0);
    const seen: { t: number; v: number; l: number; c: number }[] = [];
    const late: { t: number; v: number }[] = [];
    aggregator.vehicle = (t, v, l, c) => { seen.push({ t, v, l, c }); };
    aggregator.speed = (t, v) => { late.push({ t, v }); };
    return { trap: new SpeedTrap(aggregator, 0, 1, options), seen, late };
  }

  /** a passage over one loop: its leading edge, then its departure (centroid midway) */
  function pass(t: SpeedTrap, loop: number, onMs: number, offMs: number, peak: number): void {
    t.arrive(loop, onMs);
    t.depart(loop, onMs, offMs, (onMs + offMs) / 2, peak);
  }

  it("takes speed from the centroids and length from the mean on-time", () => {
    const { trap: t, seen } = trap();
    // 20 m/s: 200 ms between the loops; a 4.5 m car covers 6.3 m in 315 ms
    t.arrive(0, 1000);
    t.arrive(1, 1200);
    t.depart(0, 1000, 1315, 1157, 0.04);
    t.depart(1, 1200, 1515, 1357, 0.04);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.v).toBeCloseTo(20, 9);
    expect(seen[0]?.l).toBeCloseTo(4.5, 9);
    expect(seen[0]?.c).toBe(1);
  });

  it("counts a vehicle the trail loop missed without a speed, classed with the lane's recent speed", () => {
    const { trap: t, seen } = trap();
    t.arrive(0, 1000);
    t.arrive(1, 1200);
    t.depart(0, 1000, 1315, 1157, 0.04);
    t.depart(1, 1200, 1515, 1357, 0.04);
    t.arrive(0, 3000);
    t.depart(0, 3000, 3900, 3450, 0.02); // 16.2 m at 20 m/s
    t.tick(3000 + 4000 + 1);
    expect(seen).toHaveLength(2);
    expect(seen[1]?.v).toBeNaN();
    expect(seen[1]?.c).toBe(3);
  });

  it("gives a late trail arrival back to the vehicle that halted between the loops, not to the next one, with its speed", () => {
    const { trap: t, seen, late } = trap();
    t.arrive(0, 1000);
    t.depart(0, 1000, 2080, 1540, 0.001); // a motorcycle, 1080 ms on the lead loop, then halts short of the trail loop
    t.tick(4000); // given up: counted without a speed
    t.arrive(0, 20_000); // the next motorcycle, 1550 ms on the lead loop at 2.5 m/s
    t.arrive(1, 20_150); // the halted one moves on to the trail loop: 1040 ms there
    t.depart(1, 20_150, 21_190, 20_670, 0.001);
    t.depart(0, 20_000, 21_550, 20_775, 0.001);
    t.arrive(1, 21_600);
    t.depart(1, 21_600, 23_150, 22_375, 0.001);
    expect(seen).toHaveLength(2);
    expect(seen[0]?.v).toBeNaN();
    expect(seen[1]?.v).toBeCloseTo(2.5, 9);
    // the halted one's trap time, counted without a speed when given up, reaches its interval late
    expect(late).toEqual([{ t: 1000, v: 4000 / 19_150 }]);
    expect(t.waitingBefore(60_000)).toBe(false);
  });

  it("does not give a trail detection to a given-up vehicle of another peak, nor take it from one still on the lead loop", () => {
    const { trap: t, seen } = trap();
    pass(t, 0, 1000, 1500, 0.001); // a motorcycle given up
    t.tick(4000);
    pass(t, 0, 10_000, 11_000, 0.05);
    pass(t, 1, 10_400, 10_900, 0.05); // a car: its on-time alone would say the motorcycle's
    pass(t, 0, 20_000, 20_540, 0.06); // a car given up
    t.tick(24_000);
    t.arrive(0, 30_970); // a car, with motorcycles close behind merged at the lead loop
    pass(t, 1, 31_320, 31_840, 0.058);
    t.depart(0, 30_970, 32_080, 31_500, 0.06);
    expect(seen.map((v) => v.v)).toEqual([Number.NaN, 10, Number.NaN, 4000 / 350]);
  });

  it("gives a trail detection that ends while the next vehicle still stands on the lead loop to the one that halted between the loops, though the next could fit it", () => {
    const { trap: t, seen, late } = trap();
    pass(t, 0, 1000, 2056, 0.001); // a motorcycle that halts short of the trail loop, partly over it
    t.tick(4000);
    t.arrive(0, 20_000); // the next motorcycle, 2250 ms on the lead loop at 1.67 m/s
    t.arrive(1, 20_670); // the halted one moves on: 5.97 m/s and 987 ms would make the next one 4.1 m long, which fits
    t.depart(1, 20_670, 21_657, 21_160, 0.001);
    t.depart(0, 20_000, 22_250, 21_125, 0.001);
    pass(t, 1, 22_400, 24_650, 0.001);
    expect(late).toEqual([{ t: 1000, v: 4000 / 19_670 }]);
    expect(seen.map((v) => v.v)).toEqual([Number.NaN, 4000 / 2400]);
  });

  it("waits for a given-up vehicle that can have halted between the loops, not for one that crossed too fast to", () => {
    const { trap: t, seen } = trap();
    pass(t, 0, 1000, 2080, 0.001); // 3.3 m in 1.08 s at most: it can stop within the spacing
    t.tick(4000);
    expect(seen[0]?.v).toBeNaN();
    expect(t.waitingBefore(60_000)).toBe(true);
    pass(t, 0, 10_000, 10_300, 0.001); // 11 m/s at least: it cannot
    t.tick(75_000); // the first is given up for good after the longest travel
    expect(t.waitingBefore(80_000)).toBe(false);
  });

  it("leaves a late trail arrival to no one once a vehicle behind the stray reached the trail loop (vehicles keep their order)", () => {
    const { trap: t, late } = trap();
    pass(t, 0, 1000, 2080, 0.001);
    t.tick(4000);
    pass(t, 0, 5000, 6000, 0.001);
    pass(t, 1, 6000, 7000, 0.001); // the next one crosses normally
    pass(t, 1, 9000, 10_080, 0.001); // an arrival like the stray's: something else's
    expect(late).toEqual([]);
  });

  it("does not give a trail detection that ends while the lead loop still holds a vehicle to it when the lead loop held a follower before", () => {
    const { trap: t, seen } = trap();
    // a motorcycle and its follower merged at the lead loop, apart at the trail loop
    t.arrive(0, 1000);
    pass(t, 1, 1600, 2600, 0.001); // the first leaves the trail loop while the lead loop still holds the follower
    t.depart(0, 1000, 3000, 2000, 0.001);
    // the follower halted with its front under the threshold on the trail loop; a motorcycle stops on the lead loop
    t.arrive(0, 20_000);
    pass(t, 1, 20_500, 21_500, 0.001); // the follower moves on: it is not the one on the lead loop
    t.depart(0, 20_000, 28_000, 24_000, 0.001);
    pass(t, 1, 27_900, 29_000, 0.001);
    expect(seen).toHaveLength(2);
    expect(seen[0]?.v).toBeCloseTo(4000 / 600, 9);
    expect(seen[1]?.v).toBeCloseTo(4000 / 7900, 9);
  });

  it("gives a trail detection far weaker than a waiting car to the vehicle behind it, and the car none", () => {
    const { trap: t, seen } = trap();
    pass(t, 0, 1000, 9000, 0.05); // a car halted on the lead loop, merged at the trail loop into the one ahead
    pass(t, 0, 9100, 9400, 0.001); // a motorcycle behind it
    pass(t, 1, 9500, 9800, 0.001);
    t.tick(20_000);
    expect(seen).toHaveLength(2);
    expect(seen[0]?.v).toBeNaN();
    expect(seen[1]?.v).toBeCloseTo(10, 9);
  });

  it("refuses a pairing that makes a car too short or needs more acceleration than a car has", () => {
    const { trap: t, seen } = trap();
    // 2.15 m/s over the spacing and 1.52 s on the trail loop: 1.5 m long
    pass(t, 0, 1000, 2860, 0.02);
    pass(t, 1, 2860, 4380, 0.02);
    // 3 m/s on average, yet across the trail loop in 0.8 s: 6 m/s at least, 4.5 m/s² from rest
    pass(t, 0, 10_000, 11_500, 0.06);
    pass(t, 1, 11_330, 12_130, 0.06);
    t.tick(30_000);
    expect(seen.map((v) => v.v)).toEqual([Number.NaN, Number.NaN]);
  });

  it("does not give a pair of two-wheelers a trail detection that began sooner than they can have reached the trail loop", () => {
    const { trap: t, seen, late } = trap();
    // a motorcycle halts between the loops and is given up
    pass(t, 0, 1000, 2500, 0.001);
    t.tick(5000);
    // a pair crosses the lead loop in 2.1 s: at most (5 m + 1.8 m) / 2.1 s = 3.2 m/s, 0.6 s at least to the trail loop at 0.8 g
    pass(t, 0, 20_000, 22_100, 0.002);
    // the motorcycle moves off the trail loop as the pair arrives: one detection of both from 0.45 s after the pair's arrival
    pass(t, 1, 20_450, 24_250, 0.0025);
    t.tick(60_000);
    expect(seen.map((v) => v.v)).toEqual([Number.NaN, Number.NaN]);
    expect(late).toEqual([]);
  });

  it("waits half a vehicle's on-time beyond its longest travel for a weak trail arrival, placed late by its slow rise", () => {
    const { trap: t, seen } = trap();
    pass(t, 0, 1000, 1390, 0.001);
    t.tick(1700);
    pass(t, 1, 1490, 1880, 0.001);
    expect(seen[0]?.v).toBeCloseTo(4000 / 490, 9);
  });

  it("times a truck that stood across both loops at once by its leading edges, though its on-times agree", () => {
    const { trap: t, seen } = trap();
    // 4 m in 1.4 s, then a 15 s stand with both loops covered: 20 s on each, which at 2.86 m/s
    // would make it 55 m long; its centroids both fall in the stand, 0.5 s apart
    t.arrive(0, 1000);
    t.arrive(1, 2400);
    t.depart(0, 1000, 21_000, 11_000, 0.02);
    t.depart(1, 2400, 22_400, 11_500, 0.02);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.v).toBeCloseTo(4000 / 1400, 9);
  });

  it("leaves a trail detection to the next vehicle waiting, not to the stray, when that vehicle's on-time matches it better", () => {
    const { trap: t, seen, late } = trap();
    t.arrive(0, 1000); // a bus stands 29 s on the lead loop; the trail loop merged it into the vehicle ahead
    t.arrive(1, 29_900); // two-wheelers ahead, merged at the trail loop with the one behind the bus
    t.depart(0, 1000, 30_000, 15_500, 0.02);
    t.arrive(0, 30_100); // that one: 1.6 s on the lead loop
    t.depart(0, 30_100, 31_700, 30_900, 0.001);
    t.arrive(0, 32_000); // the next motorcycle: 1.26 s on the lead loop
    t.depart(1, 29_900, 33_000, 31_450, 0.0022);
    t.depart(0, 32_000, 33_260, 32_630, 0.0011);
    t.arrive(1, 33_260);
    t.tick(33_700); // the one merged at the trail loop is given up: it could have halted between the loops
    t.depart(1, 33_260, 34_520, 33_890, 0.0011); // 1.26 s on the trail loop, 1.26 s after the next one arrived
    expect(seen.map((v) => v.v)).toEqual([Number.NaN, Number.NaN, 4000 / 1260]);
    expect(late).toEqual([]);
  });

  it("times a faint vehicle that halted between the loops only when its trap time is long enough for its lead edge not to matter", () => {
    const { trap: t, late } = trap();
    // peaks within 1.25 times the threshold: the noise may place the lead edge anywhere in the 1.08 s on-time
    pass(t, 0, 1000, 2080, 0.00045);
    t.tick(4000);
    expect(t.waitingBefore(60_000)).toBe(true);
    pass(t, 1, 20_000, 21_040, 0.00045); // 19 s later: 1.08 s moves its speed by 0.04 km/h
    pass(t, 0, 30_000, 31_080, 0.00045);
    t.tick(33_000);
    pass(t, 1, 34_500, 35_540, 0.00045); // 4.5 s later: by 0.77 km/h
    expect(late).toEqual([{ t: 1000, v: 4000 / 19_000 }]);
  });

  it("times a car by its leading edges when its record goes out while the lead loop still holds the car merged behind it", () => {
    const { trap: t, seen, late } = trap();
    t.arrive(0, 1000); // a car stands across both loops; the one behind it, merged with it at the lead loop, stands there on
    t.arrive(1, 2200);
    t.depart(1, 2200, 40_000, 21_100, 0.05); // the first car leaves the trail loop
    t.closing(30_000, 45_000); // the record of its interval goes out half an interval late
    expect(late).toEqual([{ t: 1000, v: 4000 / 1200 }]);
    expect(seen).toEqual([]);
  });

  it("times a car still standing across both loops by its leading edges when its record goes out", () => {
    const { trap: t, late } = trap();
    t.arrive(0, 1000);
    t.arrive(1, 2200);
    t.closing(30_000, 45_000);
    expect(late).toEqual([{ t: 1000, v: 4000 / 1200 }]);
  });

  it("calls a weak short vehicle a two-wheeler, whatever its rough length", () => {
    expect(vehicleClass(2.6, TWO_WHEELER_SHIFT / 2, options.classEdgesM)).toBe(0);
    expect(vehicleClass(2.6, 0.04, options.classEdgesM)).toBe(1);
    expect(vehicleClass(9, TWO_WHEELER_SHIFT / 2, options.classEdgesM)).toBe(2);
    expect(vehicleLengthM(10, 100, 1.8)).toBe(0);
  });
});

describe("loop interval record", () => {
  const header = { deviceId: MAX_DEVICE_ID, boot: MAX_BOOT, seq: MAX_SEQ, timeS: 0xffffffff };
  const key = new Uint8Array(16).fill(7);

  it("fits 51 bytes with the widest header whatever the values, giving up headway first", () => {
    expect(BODY_BUDGET).toBe(30);
    const absurd: LoopIntervalBody = {
      lane: 7, intervalS: 60, volume: 255, occupancyPermille: 1000, classes: [255, 255, 255, 255, 255],
      speedKmh: 250, lengthDm: 255, headwayDs: 6000,
    };
    const fitted = fitBudget({ ...absurd });
    expect(bodyBytes(fitted)).toBeLessThanOrEqual(BODY_BUDGET);
    expect(fitted.headwayDs).toBeUndefined();
    expect(fitted.speedKmh).toBe(250);
    expect(encodeFrame({ ...header, type: "loopInterval", body: fitted }, key).length).toBeLessThanOrEqual(MAX_AIR_FRAME);
    // a saturated minute keeps every field
    const saturated: LoopIntervalBody = {
      lane: 0, intervalS: 60, volume: 37, occupancyPermille: 412, classes: [3, 28, 4, 1, 1], speedKmh: 47, lengthDm: 52, headwayDs: 16,
    };
    expect(fitBudget({ ...saturated })).toEqual(saturated);
    expect(encodeFrame({ ...header, type: "loopInterval", body: saturated }, key).length).toBeLessThanOrEqual(MAX_AIR_FRAME);
  });

  it("splits occupancy at the boundary, leaves out what it has no vehicle for, and counts headways", () => {
    const a = new IntervalAggregator({ lane: 2, intervalS: 20, classCount: 4 }, 0);
    a.count(19_500);
    a.occupy(19_500, 20_500);
    a.vehicle(19_500, 10, 4.2, 1);
    a.count(21_500);
    const first = a.close(Number.NaN);
    expect(first).toEqual({ lane: 2, intervalS: 20, volume: 1, occupancyPermille: 25, classes: [0, 1, 0, 0], speedKmh: 36, lengthDm: 42 });
    a.occupy(21_500, 22_000);
    const second = a.close(39_000); // a vehicle on the lead loop since 39 s
    expect(second).toMatchObject({ volume: 1, occupancyPermille: 100, headwayDs: 20 });
    expect(second.speedKmh).toBeUndefined();
    expect(second.lengthDm).toBeUndefined();
    // a speed measured late goes to its vehicle's interval while that is open, and is dropped after
    a.count(41_000);
    a.speed(41_000, 5);
    a.speed(39_000, 50);
    expect(a.close(Number.NaN)).toMatchObject({ volume: 1, speedKmh: 18 });
  });
});

describe("loop physics", () => {
  const site: LoopSite = { input: "loop0", lane: 0, positionM: 0, lengthM: 1.8, inductanceUH: 100, capacitanceNF: 21 };

  it("oscillates at 1/(2π√(LC)); reads are whole stamps of cycles over clock ticks, and they telescope", () => {
    const traffic = new LoopTraffic([site], listTraffic([]), { jitterNs: 10 });
    const f = 1 / (2 * Math.PI * Math.sqrt(100e-6 * 21e-9));
    expect(traffic.tunedHz("loop0")).toBeCloseTo(f, 6);
    let cycles = 0, span = 0, worstPpm = 0;
    for (let t = 7; t <= 10_003; t += 7) {
      const n = traffic.read("loop0", t);
      expect(n % STAMP_CYCLES).toBe(0);
      cycles += n;
      span += traffic.spanMs("loop0");
      if (n) worstPpm = Math.max(worstPpm, Math.abs((n * 1000) / traffic.spanMs("loop0") / f - 1) * 1e6);
    }
    // the sum spans stamp to stamp: exact cycles over the time between the first and last stamp
    expect(Math.abs((cycles * 1000) / span / f - 1)).toBeLessThan(1e-8);
    expect(cycles).toBeGreaterThan((f * 9.99) - STAMP_CYCLES);
    // one 7 ms read: a tick (12.5 ns) and 10 ns of jitter at each end, a few ppm
    expect(worstPpm).toBeGreaterThan(0.1);
    expect(worstPpm).toBeLessThan(20);
    expect(Math.abs(span / STAMP_TICK_MS - Math.round(span / STAMP_TICK_MS))).toBeLessThan(1e-3);
  });

  it("couples loops close in frequency when crosstalk is modelled", () => {
    const car: Vehicle = { lane: 1, arriveMs: 1000, speedMps: 10, lengthM: 4.2, kind: "car", peakShift: 0.05 };
    const loops: LoopSite[] = [site, { ...site, input: "loop1", lane: 1, capacitanceNF: 21.5 }, { ...site, input: "loop2", lane: 2, capacitanceNF: 25 }];
    const traffic = new LoopTraffic(loops, listTraffic([car]), { crosstalk: 0.004 });
    traffic.read("loop0", 1300);
    // a car on loop1 (1.2 % away) moves loop0 by 0.4 % of its 5 %: 0.02 % ΔL/L, between 0.01 and 0.04 %
    expect(traffic.frequencyHz("loop0", 1300) / traffic.tunedHz("loop0")).toBeCloseTo(1 / Math.sqrt(1 - 0.0002), 9);
    expect(traffic.frequencyHz("loop2", 1300)).toBe(traffic.tunedHz("loop2"));
  });

  it("raises f by half the fall of L while a car covers the loop, over loop + car length", () => {
    const car: Vehicle = { lane: 0, arriveMs: 1000, speedMps: 10, lengthM: 4.2, kind: "car", peakShift: 0.04 };
    const traffic = new LoopTraffic([site], listTraffic([car]), { events: [{ input: "loop0", kind: "open", fromMs: 5000, toMs: 6000 }] });
    const f0 = traffic.tunedHz("loop0");
    traffic.read("loop0", 1500);
    expect(traffic.frequencyHz("loop0", 1300) / f0).toBeCloseTo(1 / Math.sqrt(0.96), 9);
    expect(traffic.frequencyHz("loop0", 1090) / f0).toBeCloseTo(1 / Math.sqrt(1 - 0.04 * 0.5), 9);
    expect(traffic.frequencyHz("loop0", 1000 + 600 + 1)).toBe(f0);
    traffic.read("loop0", 5000);
    expect(traffic.read("loop0", 6000)).toBe(0);
    expect(traffic.spanMs("loop0")).toBe(0);
  });
});

describe("loop role", () => {
  function start(settings: Record<string, number | string>, loops = [typicalLoop("loop0", 0, 0, 0), typicalLoop("loop1", 0, 3.66, 1)], vehicles: Vehicle[] = []) {
    const sim = new SimPlatform();
    new LoopTraffic(loops, listTraffic(vehicles)).attach(sim);
    const sent: LoopIntervalBody[] = [];
    const role = loopRole({
      platform: sim, settings, nowS: () => 0, setFaults: () => undefined,
      send: (type, body) => { if (type === "loopInterval") sent.push(body as LoopIntervalBody); },
    });
    role.start();
    return { sim, role, sent };
  }

  it("starts on defaults when provisioned settings do not parse, and says why", () => {
    const { sim, sent } = start({ sensitivity: 3 });
    sim.advance(61_500);
    expect(sim.traces[0]).toMatch(/sensitivity must be one of/);
    expect(sim.traces.find((t) => t.startsWith("loop0:"))).toMatch(/^loop0: 109827 Hz, noise \d+(\.\d)? ppm, window 1x20 ms, sensitivity 0\.04 %$/);
    expect(sent).toEqual([{ lane: 0, intervalS: 60, volume: 0, occupancyPermille: 0, classes: [0, 0, 0, 0, 0] }]);
  });

  it("applies a setting at run time by rebuilding, and refuses one that does not parse", () => {
    const { sim, role, sent } = start({ intervalS: 30 });
    sim.advance(31_500);
    expect(sent.map((b) => b.intervalS)).toEqual([30]);
    expect(role.applySetting?.("sensitivity", 6)).toBe(false);
    expect(role.applySetting?.("sensitivity", 4)).toBe(true);
    sim.advance(2000);
    expect(sim.traces.filter((t) => t.startsWith("loop1:")).pop()).toMatch(/^loop1: 118627 Hz, noise \d+(\.\d)? ppm, window 1x20 ms, sensitivity 0\.04 %$/);
    expect(role.applySetting?.("classEdgesDm", "21,67,113")).toBe(true);
    sim.advance(31_500);
    expect(sent[sent.length - 1]?.classes).toHaveLength(4);
  });

  it("holds a record up to half its interval for a vehicle halted in the trap across its end, so its speed counts where it arrived", () => {
    // a 9 m truck at 8 km/h reaches the lead loop at 55 s and stands on it 15 s
    const truck: Vehicle = { lane: 0, arriveMs: 55_000, speedMps: 8 / 3.6, lengthM: 9, kind: "truck", peakShift: 0.02, stopAtM: 1.2, stopMs: 15_000 };
    const { sim, sent } = start({}, undefined, [truck]);
    sim.advance(66_000);
    expect(sent).toEqual([]);
    sim.advance(24_000);
    // 3.66 m in 16.6 s
    expect(sent).toEqual([expect.objectContaining({ volume: 1, speedKmh: 1 })]);
  });

  it("gives a vehicle still standing on the lead loop when its record goes out half an interval late the middle of the speeds it can have, and leaves it out of the next record", () => {
    // a 9 m truck at 8 km/h reaches the lead loop at 50 s and stands on it 40 s: at 90 s it has
    // not reached the trail loop 3.66 m on, so it moves at 3.66 m / 40 s = 0.33 km/h at most
    const truck: Vehicle = { lane: 0, arriveMs: 50_000, speedMps: 8 / 3.6, lengthM: 9, kind: "truck", peakShift: 0.02, stopAtM: 1.2, stopMs: 40_000 };
    const { sim, sent } = start({}, undefined, [truck]);
    sim.advance(91_000);
    expect(sent).toEqual([expect.objectContaining({ volume: 1, speedKmh: 0 })]);
    sim.advance(60_000);
    expect(sent[1]).toMatchObject({ volume: 0, classes: [0, 0, 0, 0, 0] }); // it stood into this interval, counted in the last
    expect(sent[1]?.speedKmh).toBeUndefined();
  });

  it("holds a lane finer than 0.04 % at 0.04 % when another loop lies within 5 % in frequency (crosstalk)", () => {
    // two single-loop lanes 1.6 % apart in frequency, lane 0 asking for 0.01 %
    const near: LoopSite[] = [
      { input: "loop0", lane: 0, positionM: 0, lengthM: 1.8, inductanceUH: 100, capacitanceNF: 21 },
      { input: "loop1", lane: 1, positionM: 0, lengthM: 1.8, inductanceUH: 100, capacitanceNF: 21.7 },
    ];
    const { sim } = start({ loops: 2, lanes: "01", laneSensitivity: "0:1" }, near);
    sim.advance(2000);
    expect(sim.traces).toContain("loop0: held at 0.04 %: loop1 is 1.7 % away in frequency");
    // the same lane with its neighbour 7 % away keeps 0.01 %
    const apart = [near[0] as LoopSite, typicalLoop("loop1", 1, 0, 2)];
    const { sim: ok } = start({ loops: 2, lanes: "01", laneSensitivity: "0:1" }, apart);
    ok.advance(2000);
    expect(ok.traces.some((t) => t.includes("held"))).toBe(false);
    expect(ok.traces.find((t) => t.startsWith("loop0:"))).toMatch(/sensitivity 0\.01 %$/);
  });
});
