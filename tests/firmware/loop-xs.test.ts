// The loop role on the real XS engine, its loops driven by the loop-traffic physics: scripted
// vehicles of known kind, length, speed and gap over a speed trap with a drifting baseline,
// faulty loops, and a 24-hour run. Frames go through the gateway's verifyFrame and normalizer.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startXs, type XsMeter, type XsSession } from "../xs/harness.js";
import { MAX_AIR_FRAME, Fault } from "../../shared/messages.js";
import { typicalLoop, type LoopSite, type TrafficProfile, type Vehicle } from "../../firmware/sim/physics/loop-traffic.js";
import type { LoopScenario, RunResult } from "./fixtures/loop-entry.js";
import { accuracy, classDifference, compare, decodeRecords, loopKey, type Compared, type LoopRecord } from "./fixtures/loop-analysis.js";
import { runScenario as runOn, type Collected } from "./fixtures/loop-run.js";

const ENTRY = "tests/firmware/fixtures/loop-entry.ts";
const EDGES_M = [2.1, 6.7, 11.3, 18.6];
const SPACING_M = 3.66;

/** a speed trap in lane 0 (loops of different frequency, so they do not couple) */
const TRAP: LoopSite[] = [typicalLoop("loop0", 0, 0, 0), typicalLoop("loop1", 0, SPACING_M, 1)];

/** urban arterial: a car-dominated mix with motorcycles, vans, trucks, buses and articulated trucks */
function arterial(lane: number, count: number, flowPerHour: number, extentM = SPACING_M + 1.8): TrafficProfile {
  return {
    lane, startMs: 5000, count, flowPerHour,
    mix: { motorcycle: 12, car: 52, van: 15, truck: 10, bus: 4, semi: 5, roadTrain: 2 },
    speedKmh: { mean: 50, sd: 12, min: 20, max: 80 },
    extentM, minGapS: 0.8,
  };
}

let xs: XsSession;
const measured: Record<string, unknown> = {};

beforeAll(async () => {
  xs = await startXs(ENTRY, { meteringLimit: 0 });
});

afterAll(async () => {
  await xs?.close();
  console.log(`loop XS measurements: ${JSON.stringify(measured, null, 1)}`);
});

const runScenario = (scenario: Omit<LoopScenario, "key">, totalMs?: number): Promise<Collected> => runOn(xs, scenario, totalMs);

function faultBitsBetween(c: Collected, fromMs: number, toMs: number): number {
  let bits = 0;
  let current = 0;
  for (const f of c.faults) {
    if (f.atMs < fromMs) current = f.bits;
    else if (f.atMs <= toMs) bits |= f.bits;
  }
  return bits | current;
}

describe("loop role on XS: a speed trap under mixed traffic", () => {
  it("counts exactly, mean speed within 2 km/h, occupancy within 1 point, classes right, with drift", async () => {
    const scenario = {
      settings: { sensitivity: 4, lanes: "00", spacingCm: 366 },
      loops: TRAP,
      traffic: { seed: 2024, profiles: [arterial(0, 260, 900)] },
      keepVehicles: true,
      // the road warms: L falls 0.3 % an hour, which alone would look like a vehicle in 4 minutes
      drift: { ratePerHour: -0.003 },
      noisePpm: 20,
    };
    const c = await runScenario(scenario);
    expect(c.vehicles.length).toBeGreaterThanOrEqual(200);
    const kinds = new Set(c.vehicles.map((v) => v.kind));
    expect(kinds.has("motorcycle") && kinds.has("truck") && kinds.has("semi")).toBe(true);
    const rows = compare(c.records, c.vehicles, () => TRAP[0] as LoopSite, 60, EDGES_M);
    const acc = accuracy(rows);
    measured["trap"] = { ...acc, frameBytes: byteRange(c.records), traces: c.traces };
    expect(acc.vehicles).toBe(c.vehicles.length);
    expect(c.records.reduce((s, r) => s + r.body.volume, 0)).toBe(c.vehicles.length);
    for (const row of rows) {
      expectCounts(row);
      expect(Math.abs(row.record.occupancyPermille / 10 - row.truth.occupancy * 100), `interval ${row.index} occupancy`).toBeLessThanOrEqual(1);
      if (row.truth.volume === 0) {
        expect(row.record.speedKmh).toBeUndefined();
        expect(row.record.lengthDm).toBeUndefined();
        continue;
      }
      expect(Math.abs((row.record.speedKmh ?? NaN) - (row.truth.meanSpeedKmh ?? NaN)), `interval ${row.index} speed`).toBeLessThanOrEqual(2);
    }
    expect(c.faults.every((f) => f.bits === 0)).toBe(true);
    for (const r of c.records) expect(r.length).toBeLessThanOrEqual(MAX_AIR_FRAME);
    expect(c.records[0]?.normalized).toMatchObject({ type: "TrafficFlowObserved", laneId: 1 });
  }, 120_000);

  it("keeps every frame within 51 bytes at saturation flow, with all fields present", async () => {
    const c = await runScenario({
      settings: { sensitivity: 4 },
      loops: TRAP,
      traffic: { seed: 7, profiles: [{ ...arterial(0, 400, 2200), minGapS: 0.6 }] },
      keepVehicles: true,
    }, 12 * 60_000);
    const full = c.records.filter((r) => r.index >= 1 && r.index <= 9);
    const rows = compare(full, c.vehicles, () => TRAP[0] as LoopSite, 60, EDGES_M);
    for (const row of rows) {
      expectCounts(row);
      expect(row.record.volume).toBeGreaterThanOrEqual(25);
      expect(row.record.headwayDs).toBeDefined();
      expect(row.record.lengthDm).toBeDefined();
    }
    for (const r of c.records) expect(r.length).toBeLessThanOrEqual(MAX_AIR_FRAME);
    measured["saturation"] = { ...accuracy(rows), frameBytes: byteRange(c.records), busiest: rows.map((r) => r.record.volume) };
  }, 120_000);
});

describe("loop role on XS: single-loop lane", () => {
  it("estimates speed from on-time with an assumed mean length", async () => {
    const loops: LoopSite[] = [...TRAP, typicalLoop("loop2", 1, 0, 2)];
    const carsOnly: TrafficProfile = { ...arterial(1, 150, 900, 1.8), mix: { car: 70, van: 20, truck: 10 } };
    const c = await runScenario({
      settings: { loops: 3, lanes: "001", sensitivity: 8, meanLengthCm: 500 },
      loops,
      traffic: { seed: 99, profiles: [arterial(0, 150, 900), carsOnly] },
      keepVehicles: true,
    }, 13 * 60_000);
    const single = c.records.filter((r) => r.body.lane === 1);
    const rows = compare(single, c.vehicles, () => loops[2] as LoopSite, 60, EDGES_M);
    let speedSum = 0, truthSum = 0, n = 0;
    for (const row of rows) {
      expect(Math.abs(row.record.volume - row.truth.volume)).toBeLessThanOrEqual(row.nearBoundary);
      expect(row.record.lengthDm).toBeUndefined(); // not measured on one loop
      if (!row.truth.volume) continue;
      speedSum += (row.record.speedKmh ?? NaN) * row.truth.volume;
      truthSum += (row.truth.meanSpeedKmh ?? NaN) * row.truth.volume;
      n += row.truth.volume;
    }
    const ratio = speedSum / truthSum;
    measured["singleLoop"] = { ...accuracy(rows), speedRatio: Math.round(ratio * 1000) / 1000 };
    expect(n).toBeGreaterThan(100);
    expect(ratio).toBeGreaterThan(0.85);
    expect(ratio).toBeLessThan(1.15);
  }, 120_000);
});

describe("loop role on XS: faults", () => {
  // fault events are held for one status period (statusS) after they clear
  const light = (seed: number): Omit<LoopScenario, "key"> => ({
    settings: { sensitivity: 8, maxPresenceS: 60, statusS: 60 },
    loops: TRAP,
    traffic: { seed, profiles: [{ ...arterial(0, 40, 300), mix: { car: 1 } }] },
    keepVehicles: true,
  });

  it("re-tunes after the maximum presence and flags stuck presence; counting goes on", async () => {
    const scenario = { ...light(5), events: [{ input: "loop0", kind: "park" as const, fromMs: 120_000, toMs: 300_000, shift: 0.04 }] };
    const c = await runScenario(scenario, 9 * 60_000);
    const stuck = c.faults.find((f) => f.bits & Fault.stuckPresence);
    expect(stuck?.atMs).toBeGreaterThanOrEqual(180_000);
    expect(stuck?.atMs).toBeLessThan(182_000);
    // after the parked vehicle leaves, the loop re-learns its baseline and counts again
    const late = compare(c.records.filter((r) => r.index >= 6), c.vehicles, () => TRAP[0] as LoopSite, 60, EDGES_M);
    for (const row of late) expectCounts(row);
    measured["stuck"] = { raisedAtMs: stuck?.atMs, faults: c.faults };
  }, 60_000);

  it("raises loopOpen on zero counts and loopShorted on a collapsed inductance, and clears them", async () => {
    const scenario = {
      ...light(6),
      events: [
        { input: "loop1", kind: "open" as const, fromMs: 100_000, toMs: 160_000 },
        { input: "loop0", kind: "short" as const, fromMs: 220_000, toMs: 260_000 },
      ],
    };
    const c = await runScenario(scenario, 6 * 60_000);
    const open = c.faults.find((f) => f.bits & Fault.loopOpen);
    expect(open?.atMs).toBeGreaterThanOrEqual(101_000);
    expect(open?.atMs).toBeLessThanOrEqual(101_100);
    expect(faultBitsBetween(c, 120_000, 150_000) & Fault.loopOpen).toBe(Fault.loopOpen);
    const short = c.faults.find((f) => f.bits & Fault.loopShorted);
    expect(short?.atMs).toBeGreaterThanOrEqual(221_000);
    expect(short?.atMs).toBeLessThanOrEqual(221_100);
    expect(c.faults[c.faults.length - 1]?.bits).toBe(0);
    measured["openShort"] = c.faults;
  }, 60_000);

  it("flags chatter from a loose splice", async () => {
    const scenario = { ...light(8), events: [{ input: "loop1", kind: "chatter" as const, fromMs: 90_000, toMs: 100_000, shift: 0.01, periodMs: 200 }] };
    const c = await runScenario(scenario, 3 * 60_000);
    const chatter = c.faults.find((f) => f.bits & Fault.chatter);
    expect(chatter?.atMs).toBeGreaterThanOrEqual(90_000);
    expect(chatter?.atMs).toBeLessThan(92_000);
  }, 60_000);

  it("ignores counter reads of unexpected size", async () => {
    const base = light(9);
    const glitches = [
      { input: "loop0", atMs: 30_020, cycles: 65_536 + 2176 },
      { input: "loop1", atMs: 45_040, cycles: 0 },
      { input: "loop0", atMs: 75_000, cycles: -64 },
      { input: "loop1", atMs: 95_000, cycles: 1e9 },
    ];
    const c = await runScenario({ ...base, glitches }, 4 * 60_000);
    const rows = compare(c.records, c.vehicles, () => TRAP[0] as LoopSite, 60, EDGES_M);
    for (const row of rows) expectCounts(row);
    expect(c.faults.every((f) => f.bits === 0)).toBe(true);
  }, 60_000);
});

describe("loop role on XS: 24 hours", () => {
  it("runs a day of light traffic with no heap growth", async () => {
    const soakXs = await startXs(ENTRY, { meteringLimit: 0, name: "loop-soak" });
    try {
      await soakXs.call("setup", {
        // a 100 ms gate and light traffic keep the run short; 0.16 % is resolvable in one gate
        settings: { sensitivity: 16, gateMs: 100 },
        loops: TRAP,
        traffic: { seed: 31, profiles: [{ ...arterial(0, 1e9, 120), mix: { car: 70, van: 20, truck: 7, semi: 3 } }] },
        keepVehicles: false,
        drift: { amplitude: 0.002, periodMs: 86_400_000, ratePerHour: -0.0001 },
        noisePpm: 20,
        key: loopKey(),
      });
      const heap: Record<string, XsMeter> = { start: await soakXs.gc() };
      let records: LoopRecord[] = [];
      const arrivals: number[] = [];
      const computePerHour: Record<string, number> = {};
      for (let hour = 1; hour <= 24; hour++) {
        const { value, meter } = await soakXs.call<RunResult>("run", 3_600_000);
        records = records.concat(decodeRecords(value.frames, 60));
        for (const a of value.arrivals) arrivals.push(a.atMs);
        expect(value.faults.filter((f) => f.bits !== 0)).toEqual([]);
        if (hour === 1 || hour === 12 || hour === 24) computePerHour[`hour${hour}`] = meter.compute;
        if (hour === 12) heap["middle"] = await soakXs.gc();
      }
      heap["end"] = await soakXs.gc();
      const lastEnd = (Math.max(...records.map((r) => r.index)) + 1) * 60_000;
      const volume = records.reduce((s, r) => s + r.body.volume, 0);
      expect(records.length).toBe(1439);
      expect(volume).toBe(arrivals.filter((t) => t < lastEnd).length);
      for (const r of records) expect(r.length).toBeLessThanOrEqual(MAX_AIR_FRAME);
      const heapEnd = heap["end"] as XsMeter;
      const heapMiddle = heap["middle"] as XsMeter;
      const heapStart = heap["start"] as XsMeter;
      expect(heapMiddle.currentHeapCount).toBeLessThanOrEqual(heapStart.currentHeapCount * 1.01);
      expect(heapEnd.currentHeapCount).toBeLessThanOrEqual(heapMiddle.currentHeapCount * 1.01);
      expect(heapEnd.allocate).toBe(heapMiddle.allocate);
      measured["soak"] = {
        vehicles: volume, records: records.length, frameBytes: byteRange(records), computePerHour,
        heapAfterGc: Object.fromEntries(Object.entries(heap).map(([k, m]) => [k, { currentHeapCount: m.currentHeapCount, allocate: m.allocate }])),
      };
    } finally {
      await soakXs.close();
    }
  }, 600_000);
});

/**
 * Volume and classes exact, except that a vehicle whose leading edge is within BOUNDARY_MS of
 * an interval boundary may be counted on either side of it (the whole run's total stays exact).
 */
function expectCounts(row: Compared): void {
  expect(Math.abs(row.record.volume - row.truth.volume), `interval ${row.index} volume`).toBeLessThanOrEqual(row.nearBoundary);
  expect(classDifference(row), `interval ${row.index} classes ${row.record.classes} vs ${row.truth.classes}`).toBeLessThanOrEqual(2 * row.nearBoundary);
}

function byteRange(records: LoopRecord[]): { min: number; max: number } {
  const lengths = records.map((r) => r.length);
  return { min: Math.min(...lengths), max: Math.max(...lengths) };
}
