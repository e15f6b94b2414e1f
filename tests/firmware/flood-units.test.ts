// Unit tests of the flood station's parts: the MaxBotix parser, the filters, level arithmetic,
// status hysteresis, sensor conversions, settings, and the size of its frames at their largest.

import { describe, expect, it } from "vitest";
import { Maxbotix } from "../../firmware/roles/flood/maxbotix.js";
import { BlipFilter, BurstMedian, Verdict } from "../../firmware/roles/flood/filter.js";
import { compensatedDistanceMm, FloodStatusMachine, RiseRate, soundSpeed } from "../../firmware/roles/flood/level.js";
import { pressureDepthMm } from "../../firmware/roles/flood/pressure.js";
import { tmp36Dc } from "../../firmware/roles/flood/temperature.js";
import { readFloodConfig } from "../../firmware/roles/flood/config.js";
import { createFloodRole } from "../../firmware/roles/flood/role.js";
import { SimPlatform } from "../../firmware/sim/sim-platform.js";
import { encodeFrame, MAX_BOOT, MAX_DEVICE_ID, MAX_SEQ, type AnyEnvelope } from "../../shared/envelope.js";
import { Fault, MAX_AIR_FRAME } from "../../shared/messages.js";
import type { FloodAlarmBody, FloodReportBody } from "../../shared/roles/flood.js";

const bytes = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

describe("MaxBotix parser", () => {
  it("reads R + 4 digits + CR frames split anywhere", () => {
    const got: number[] = [];
    const p = new Maxbotix((mm) => got.push(mm));
    const stream = "R1234\rR0301\rR5000\r";
    for (const c of stream) p.push(bytes(c));
    expect(got).toEqual([1234, 301, 5000]);
    expect([p.frames, p.errors]).toEqual([3, 0]);
  });

  it("drops truncated, inch-model, overlong and junk frames and resynchronises on R", () => {
    const got: number[] = [];
    const p = new Maxbotix((mm) => got.push(mm));
    p.push(bytes("\nR12R1500\rR123\rR12345\rRab12\r\u0000\u00ffR2001\r"));
    expect(got).toEqual([1500, 2001]);
    expect(p.errors).toBe(4);
  });
});

describe("burst median", () => {
  it("ignores a wild reading or two", () => {
    const m = new BurstMedian(5);
    for (const v of [2000, 4999, 2002, 301, 2001]) m.add(v);
    expect(m.median()).toBe(2001);
    m.clear();
    for (const v of [10, 30, 20, 40]) m.add(v);
    expect(m.median()).toBe(25);
    m.clear();
    expect(m.median()).toBeNaN();
  });
});

describe("blip filter", () => {
  it("drops a jump that comes back, and takes one that two more measurements confirm", () => {
    const f = new BlipFilter(100);
    expect(f.offer(1000)).toBe(Verdict.accepted);
    expect(f.offer(1030)).toBe(Verdict.accepted);
    expect(f.offer(1800)).toBe(Verdict.suspect);
    expect(f.level).toBe(1030);
    expect(f.offer(1032)).toBe(Verdict.accepted);
    expect(f.blips).toBe(1);
    expect([1400, 1410, 1405].map((mm) => f.offer(mm))).toEqual([Verdict.suspect, Verdict.suspect, Verdict.accepted]);
    expect(f.level).toBe(1405);
    expect(f.blips).toBe(1);
  });

  it("is not fooled by two passing objects that agree by chance", () => {
    const f = new BlipFilter(100);
    f.offer(1000);
    expect([1600, 1630, 1004].map((mm) => f.offer(mm))).toEqual([Verdict.suspect, Verdict.suspect, Verdict.accepted]);
    expect(f.level).toBe(1004);
    expect(f.blips).toBe(1);
  });

  it("stops holding back after a run of readings that agree with nothing", () => {
    const f = new BlipFilter(100);
    f.offer(1000);
    const verdicts = [1500, 1800, 2100, 2400, 2700, 3000, 3300].map((mm) => f.offer(mm));
    expect(verdicts).toEqual([1, 1, 1, 1, 1, 1, 0].map((v) => (v ? Verdict.suspect : Verdict.accepted)));
    expect(f.level).toBe(3300);
  });

  it("is off with a zero minimum", () => {
    const f = new BlipFilter(0);
    f.offer(1000);
    expect(f.offer(3000)).toBe(Verdict.accepted);
  });
});

describe("level arithmetic", () => {
  it("corrects the speed of sound for the air temperature", () => {
    expect(soundSpeed(20)).toBeCloseTo(343.42, 2);
    // a ranger assuming 20 °C reads short on a hot afternoon: 2000 mm true at 32 °C
    const reported = (2000 * soundSpeed(20)) / soundSpeed(32);
    expect(reported).toBeLessThan(1960);
    expect(compensatedDistanceMm(reported, 320, 20)).toBeCloseTo(2000, 6);
    expect(compensatedDistanceMm(1500, NaN, 20)).toBe(1500);
  });

  it("computes the rate of rise over its window", () => {
    const r = new RiseRate(900);
    for (let t = 0; t <= 1800; t += 60) r.add(t, 1000 + t / 6 + (t % 120 === 0 ? 2 : -2));
    expect(r.mmPerHour(1800)).toBeCloseTo(600, -1);
    const flat = new RiseRate(900);
    flat.add(0, 500);
    expect(flat.mmPerHour(0)).toBe(0);
    flat.add(2000, 900);
    expect(flat.mmPerHour(2000)).toBe(0); // the first point is outside the window
  });

  it("rises at a threshold and falls only below threshold − hysteresis", () => {
    const m = new FloodStatusMachine({ alertMm: 1000, dangerMm: 1500, hysteresisMm: 30 });
    const changes = [990, 1000, 985, 975, 1010, 1499, 1500, 1480, 1471, 1469, 975, 969, 1600, 900]
      .map((l) => m.update(l)).filter((c) => c !== undefined);
    expect(changes).toEqual([
      { status: 1, previous: 0, thresholdMm: 1000 },
      { status: 2, previous: 1, thresholdMm: 1500 },
      { status: 1, previous: 2, thresholdMm: 1500 },
      { status: 0, previous: 1, thresholdMm: 1000 },
      { status: 2, previous: 0, thresholdMm: 1500 },
      { status: 0, previous: 2, thresholdMm: 1000 },
    ]);
  });
});

describe("sensor conversions", () => {
  const c = { fullScaleMv: 5000, zeroMv: 500, spanMv: 4000, rangeMm: 5000 };
  it("turns a 0.5-4.5 V transducer reading into depth and refuses a broken wire", () => {
    expect(pressureDepthMm({ value: 0.1 * 4095, max: 4095 }, c)).toBeCloseTo(0, 6);
    expect(pressureDepthMm({ value: 0.5 * 4095, max: 4095 }, c)).toBeCloseTo(2500, 6);
    expect(pressureDepthMm({ value: 0.9 * 4095, max: 4095 }, c)).toBeCloseTo(5000, 6);
    expect(pressureDepthMm({ value: 0, max: 4095 }, c)).toBeNaN();
    expect(pressureDepthMm({ value: 4095, max: 4095 }, c)).toBeNaN();
  });

  it("reads a TMP36 in tenths of a degree", () => {
    expect(tmp36Dc({ value: (800 / 3300) * 4095, max: 4095 }, 3300)).toBe(300);
    expect(tmp36Dc({ value: 0, max: 4095 }, 3300)).toBeNaN();
  });
});

describe("flood settings", () => {
  it("has defaults and refuses inconsistent thresholds as a group", () => {
    const d = readFloodConfig({});
    expect(d.invalid).toEqual([]);
    expect(d.config).toMatchObject({
      sensorType: "maxbotix", referenceMm: 3000, thresholds: { alertMm: 1000, dangerMm: 1500, hysteresisMm: 30 },
      reportIntervalS: 300, fastIntervalS: 60, burstSamples: 5, burstSpacingMs: 150, blipMm: 100, tempSensor: "none",
    });
    const bad = readFloodConfig({ alertMm: 2000, dangerMm: 1800, fastIntervalS: 600, sensorType: "sonar" });
    expect(bad.invalid.sort()).toEqual(["dangerMm", "fastIntervalS", "sensorType"]);
    expect(bad.config.thresholds).toEqual({ alertMm: 1000, dangerMm: 1500, hysteresisMm: 30 });
    expect(bad.config.fastIntervalS).toBe(300);
  });
});

describe("flood frames with the worst-case header", () => {
  const key = Uint8Array.from({ length: 16 }, (_, i) => i);
  const frame = (env: Omit<AnyEnvelope, "deviceId" | "boot" | "seq" | "timeS">) =>
    encodeFrame({ deviceId: MAX_DEVICE_ID, boot: MAX_BOOT, seq: MAX_SEQ, timeS: 0xffffffff, ...env } as AnyEnvelope, key);

  it("floodReport and floodAlarm fit 51 bytes at their largest", () => {
    const report: FloodReportBody = {
      distanceMm: 20000, levelMm: -20000, riseMmPerH: -32767, status: 2, referenceMm: 20000, temperatureDc: -400, samples: 255, faults: 0xff,
    };
    const alarm: FloodAlarmBody = { status: 2, previous: 1, levelMm: -20000, riseMmPerH: -32767, thresholdMm: -20000 };
    expect(frame({ type: "floodReport", body: report }).length).toBeLessThanOrEqual(MAX_AIR_FRAME);
    expect(frame({ type: "floodAlarm", body: alarm }).length).toBeLessThanOrEqual(MAX_AIR_FRAME);
  });
});

describe("flood role on a simulated board", () => {
  function board(settings: Record<string, number | string | boolean> = {}) {
    const sim = new SimPlatform();
    const sent: string[] = [];
    let faults = 0;
    const role = createFloodRole({
      platform: sim, settings, send: (type) => { sent.push(type); }, nowS: () => 0, setFaults: (b) => { faults = b; },
    });
    role.start();
    return { sim, role, sent, faults: () => faults };
  }

  it("raises sensorTimeout when the ranger is silent and sensorRange when it sees nothing, and reports neither as a level", () => {
    const silent = board();
    silent.sim.advance(700_000);
    expect(silent.faults()).toBe(Fault.sensorTimeout);
    expect(silent.sent).toEqual([]);
    const blind = board();
    const peer = blind.sim.serialPeer("ranger");
    blind.sim.setTimer(() => { if (blind.sim.outputs.get("rangerPower") === 1) peer.deliver(bytes("R5000\r")); }, 50, 150);
    blind.sim.advance(700_000);
    expect(blind.faults()).toBe(Fault.sensorRange);
    expect(blind.sent).toEqual([]);
  });

  it("powers the ranger only for the burst", () => {
    const b = board();
    b.sim.advance(1100);
    expect(b.sim.outputs.get("rangerPower")).toBe(1);
    b.sim.advance(1000);
    expect(b.sim.outputs.get("rangerPower")).toBe(0);
  });

  it("takes thresholds and intervals at run time, refusing what breaks a rule or needs a restart", () => {
    const { role } = board();
    expect(role.applySetting?.("alertMm", 1600)).toBe(false);
    expect(role.applySetting?.("dangerMm", 1800)).toBe(true);
    expect(role.applySetting?.("alertMm", 1600)).toBe(true);
    expect(role.applySetting?.("hysteresisMm", 250)).toBe(false);
    expect(role.applySetting?.("sensorType", "pressure")).toBe(false);
    expect(role.applySetting?.("reportIntervalS", 10)).toBe(false);
  });
});
