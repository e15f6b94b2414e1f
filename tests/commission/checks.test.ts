// The commissioning checks as pure functions: each role's pass, each obvious fault's fail with its
// reason, and waiting while the data a check needs has not arrived.

import { describe, expect, it } from "vitest";
import { allPass, commissionChecks, DISPLAY_TEST_HOW, type UnitObservations } from "../../gateway/commission/checks.js";
import { demodulationFloorDb, linkMarginDb } from "../../gateway/commission/link.js";
import { Fault } from "../../shared/messages.js";

const status = (extra: Record<string, unknown> = {}) => ({
  type: "Device", timeSource: "device", firmwareVersion: "1.0.0", uptime: 42, queueDepth: 0, batteryVoltage: 3.95, faults: 0, ...extra,
});
const byCheck = (o: UnitObservations) => Object.fromEntries(commissionChecks(o).map((r) => [r.check, r]));

describe("commissioning checks", () => {
  it("knows the demodulation floor per spreading factor and the margin above it", () => {
    expect([7, 10, 12].map(demodulationFloorDb)).toEqual([-7.5, -15, -20]);
    expect(linkMarginDb(-4.5, 10)).toBe(10.5);
  });

  it("waits for a status frame before anything else", () => {
    const r = commissionChecks({ entry: { id: 1, role: "flood" }, readings: [] });
    expect(r[0]).toEqual({ check: "status", pass: false, reason: "no status frame yet", waiting: true });
    expect(allPass(r)).toBe(false);
  });

  it("passes a loop station with both lanes counting, and fails an open loop and a quiet lane", () => {
    const lane = (laneIndex: number, intensity: number) => ({ type: "TrafficFlowObserved", timeSource: "device", laneId: laneIndex + 1, intensity });
    const good: UnitObservations = {
      entry: { id: 2101, role: "loop", lanes: [{ lane: 0 }, { lane: 1 }] }, status: status(),
      readings: [lane(0, 12), lane(1, 0), lane(1, 7)], settings: { sensitivity: 16, lanes: "0011" },
    };
    expect(commissionChecks(good).filter((c) => !c.pass)).toEqual([]);
    const open = byCheck({ ...good, status: status({ faults: Fault.loopOpen }), readings: [lane(0, 12), lane(1, 0), lane(1, 0), lane(1, 0)] });
    expect(open["oscillator in range"]).toMatchObject({ pass: false, reason: expect.stringContaining("a loop is open") });
    expect(open["lane 2 counting"]).toEqual({ check: "lane 2 counting", pass: false, reason: "no vehicle in 3 intervals" });
    const unset = byCheck({ ...good, settings: { lanes: "0011" } });
    expect(unset["sensitivity set"]!.pass).toBe(false);
  });

  it("fails a flood station whose reference level was never provisioned, and passes one that was", () => {
    const report = { type: "FloodMonitoring", timeSource: "device", currentLevel: 0.912, referenceLevel: 4.2, faults: 0 };
    const entry = { id: 2103, role: "flood" as const, flood: { referenceLevelM: 4.2, alertLevelM: 1.5, dangerLevelM: 2.5 } };
    const good = { entry, status: status(), readings: [report], settings: { referenceMm: 4200, alertMm: 1500, dangerMm: 2500 } };
    expect(allPass(commissionChecks(good))).toBe(true);
    const unset = byCheck({ ...good, settings: { alertMm: 1500, dangerMm: 2500 }, readings: [{ ...report, referenceLevel: 3 }] });
    expect(unset["reference level set"]!.reason).toContain("referenceMm was not provisioned");
    // through the gateway only the report tells which reference the unit uses
    const remote = byCheck({ entry, status: status(), readings: [{ ...report, referenceLevel: 3, currentLevel: 2.1 }] });
    expect(remote["reference level set"]).toMatchObject({ pass: false, reason: "the unit uses 3.000 m, the registry says 4.200 m" });
  });

  it("fails a silent radar and a wrong limit, passes a sign that sees traffic", () => {
    const stats = (intensity: number, speedLimit = 40) => ({ type: "TrafficFlowObserved", timeSource: "device", intensity, speedLimit });
    const entry = { id: 2102, role: "sign" as const, sign: { speedLimitKmh: 40 } };
    expect(allPass(commissionChecks({ entry, status: status(), readings: [stats(9)] }))).toBe(true);
    const silent = byCheck({ entry, status: status({ faults: Fault.radarSilent }), readings: [stats(0), stats(0)] });
    expect(silent["radar seeing targets"]!.reason).toContain("the radar is silent");
    const quiet = byCheck({ entry, status: status(), readings: [stats(0), stats(0), stats(0)] });
    expect(quiet["radar seeing targets"]!.reason).toContain("no vehicle in 3 intervals");
    expect(byCheck({ entry, status: status(), readings: [stats(3, 50)] })["limit set"]!.reason).toBe("the sign uses 50 km/h, the registry says 40 km/h");
  });

  it("judges a sign's display test by the unit's answer, waits while it runs, and says how to ask for it", () => {
    const entry = { id: 2102, role: "sign" as const };
    const display = (displayTest?: UnitObservations["displayTest"]) =>
      byCheck({ entry, status: status(), readings: [], ...(displayTest ? { displayTest } : {}) })["display test"];
    expect(display()).toEqual({ check: "display test", pass: true, reason: `not run (not asked for): ${DISPLAY_TEST_HOW}` });
    expect(display("running")).toMatchObject({ pass: false, waiting: true });
    expect(display({ pass: false, found: "digit 2 faulted" })).toEqual({ check: "display test", pass: false, reason: "digit 2 faulted" });
    expect(display({ pass: true, found: "all 4 parts lit" })).toEqual({ check: "display test", pass: true, reason: "all 4 parts lit" });
  });

  it("names the bridges that heard a unit when the gateway's status says, and adds no check when none did", () => {
    const entry = { id: 2105, role: "flood" as const };
    const heardBy = [{ bridge: 2104, link: "/dev/ttyUSB1", frames: 3, rssi: -108, snr: 4.5, lastHeard: "2026-12-01T01:00:00.000Z" },
      { bridge: null, link: "/dev/ttyUSB2", frames: 1, rssi: -115, snr: -2, lastHeard: "2026-12-01T01:00:00.000Z" }];
    expect(byCheck({ entry, status: status({ heardBy }), readings: [] })["heard by bridges"]).toEqual({
      check: "heard by bridges", pass: true, reason: "bridge 2104 (-108 dBm, SNR 4.5 dB, 3 frames), the bridge on /dev/ttyUSB2 (-115 dBm, SNR -2 dB, 1 frame)",
    });
    expect(byCheck({ entry, status: status(), readings: [] })["heard by bridges"]).toBeUndefined();
  });

  it("passes a bridge that hears a unit with budget left, waits on one hearing nobody", () => {
    const entry = { id: 2104, role: "bridge" as const };
    const hearing = commissionChecks({ entry, status: status(), readings: [], relayed: new Map([[2105, { frames: 3, rssiDbm: -108, snrDb: 4.5 }]]), dutyUsed: 0.1 });
    expect(allPass(hearing)).toBe(true);
    expect(hearing.find((c) => c.check === "hearing sensors")!.reason).toBe("heard 2105 (-108 dBm, SNR 4.5 dB)");
    const deaf = commissionChecks({ entry, status: status(), readings: [], relayed: new Map() });
    expect(deaf.find((c) => c.check === "hearing sensors")).toMatchObject({ pass: false, waiting: true });
    expect(deaf.find((c) => c.check === "duty-cycle budget left")).toMatchObject({ pass: false, waiting: true });
    const busy = commissionChecks({ entry, status: status(), readings: [], relayed: new Map([[2105, { frames: 9, rssiDbm: -108, snrDb: 4.5 }]]), dutyUsed: 1.23 });
    expect(busy.find((c) => c.check === "duty-cycle budget left")!.reason).toBe(
      "acks for the units heard would use 123 % of its hour's transmit budget: fewer units per bridge, or longer report intervals");
  });

  it("fails a LoRa link with too little margin above the floor", () => {
    const r = byCheck({ entry: { id: 2105, role: "bridge" }, status: status({ uplinkSnr: -12 }), readings: [], settings: { sf: 10 } });
    expect(r["link margin"]).toMatchObject({ pass: false, reason: expect.stringContaining("SNR -12 dB at SF10: 3 dB above the demodulation floor") });
  });
});
