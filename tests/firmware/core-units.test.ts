// Unit checks of the core's building blocks (on Node; the scenarios run them on XS too).

import { describe, expect, it } from "vitest";
import { DutyBudget } from "../../firmware/core/duty-cycle.js";
import { UplinkQueue } from "../../firmware/core/uplink-queue.js";
import { FrameCounter } from "../../firmware/core/counters.js";
import { encodeSettings, loadIdentity, loadSettings, raiseBoot, saveIdentity, saveSettings, SETTINGS_MAX_BYTES } from "../../firmware/core/identity.js";
import {
  ConsoleFormatError, encodeConsoleRequest, encodeConsoleResponse, parseConsoleRequest, parseConsoleResponse,
} from "../../firmware/core/console-protocol.js";
import { MemoryStorage } from "../../firmware/sim/sim-platform.js";
import { MIN_FRAME_BYTES } from "../../firmware/core/device.js";
import { encodeFrame, type AnyEnvelope } from "../../shared/envelope.js";

const frame = (length: number, fill: number) => new Uint8Array(length).fill(fill);

describe("UplinkQueue", () => {
  it("keeps frames oldest first in its slab and removes from anywhere", () => {
    const q = new UplinkQueue(1024, 32);
    for (let i = 0; i < 5; i++) q.push(frame(10 + i, i), { boot: 1, seq: i, alarm: false, unsynced: false });
    expect(q.bytes).toBe(60);
    q.removeAt(2);
    expect(Array.from({ length: q.length }, (_, i) => q.metaAt(i).seq)).toEqual([0, 1, 3, 4]);
    expect(q.frameAt(2)).toEqual(frame(13, 3));
    expect(q.indexOf(1, 4)).toBe(3);
    expect(q.indexOf(2, 4)).toBe(-1);
    expect(q.bytes).toBe(48);
  });

  it("evicts the oldest routine frame first, keeps alarms, and refuses routine frames when only alarms remain", () => {
    const q = new UplinkQueue(300, 100);
    q.push(frame(100, 1), { boot: 0, seq: 0, alarm: true, unsynced: false });
    q.push(frame(100, 2), { boot: 0, seq: 1, alarm: false, unsynced: false });
    q.push(frame(100, 3), { boot: 0, seq: 2, alarm: false, unsynced: false });
    expect(q.push(frame(100, 4), { boot: 0, seq: 3, alarm: false, unsynced: false })).toBe(true);
    expect(Array.from({ length: q.length }, (_, i) => q.metaAt(i).seq)).toEqual([0, 2, 3]);
    expect(q.droppedRoutine).toBe(1);
    q.push(frame(100, 5), { boot: 0, seq: 4, alarm: true, unsynced: false });
    q.push(frame(100, 6), { boot: 0, seq: 5, alarm: true, unsynced: false });
    expect(Array.from({ length: q.length }, (_, i) => q.metaAt(i).seq)).toEqual([0, 4, 5]);
    expect(q.push(frame(100, 7), { boot: 0, seq: 6, alarm: false, unsynced: false })).toBe(false);
    q.push(frame(100, 8), { boot: 0, seq: 7, alarm: true, unsynced: false });
    expect(Array.from({ length: q.length }, (_, i) => q.metaAt(i).seq)).toEqual([4, 5, 7]);
    expect(q.droppedAlarms).toBe(1);
  });

  it("bounds the frame count as well as the bytes", () => {
    const q = new UplinkQueue(4096, 4);
    for (let i = 0; i < 10; i++) q.push(frame(10, i), { boot: 0, seq: i, alarm: false, unsynced: false });
    expect(q.length).toBe(4);
    expect(q.metaAt(0).seq).toBe(6);
  });

  it("rewrites unsynced frames in place, growing or shrinking them", () => {
    const q = new UplinkQueue(1024, 16);
    q.push(frame(10, 1), { boot: 0, seq: 0, alarm: false, unsynced: true });
    q.push(frame(10, 2), { boot: 0, seq: 1, alarm: false, unsynced: false });
    q.push(frame(10, 3), { boot: 0, seq: 2, alarm: true, unsynced: true });
    q.restampUnsynced((old) => frame(old.length + (old[0] === 1 ? 4 : -2), old[0]! + 10));
    expect([0, 1, 2].map((i) => [q.metaAt(i).seq, q.frameAt(i).length, q.frameAt(i)[0], q.metaAt(i).unsynced, q.metaAt(i).alarm])).toEqual([
      [0, 14, 11, false, false], [1, 10, 2, false, false], [2, 8, 13, false, true],
    ]);
    expect(q.bytes).toBe(32);
  });
});

describe("DutyBudget", () => {
  it("never lets more than the budget on air within any window", () => {
    const budget = new DutyBudget({ dutyCycle: 0.01, windowMs: 60_000, buckets: 60 });
    const sent: [number, number][] = [];
    let now = 0;
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    while (now < 3_600_000) {
      const airtime = 50 + rand() * 250;
      const wait = budget.waitMs(airtime, now);
      if (wait === 0) {
        budget.spend(airtime, now);
        sent.push([now, airtime]);
        now += airtime + rand() * 2000;
      } else now += wait;
    }
    for (const [start] of sent) {
      const inWindow = sent.filter(([t]) => t > start - 60_000 && t <= start).reduce((sum, [, a]) => sum + a, 0);
      expect(inWindow).toBeLessThanOrEqual(600 + 1e-9);
    }
    // ... while still using most of it.
    expect(sent.reduce((s, [, a]) => s + a, 0)).toBeGreaterThan(0.7 * 36_000);
  });

  it("says how long to wait, and never for a packet longer than the whole budget", () => {
    const budget = new DutyBudget({ dutyCycle: 0.01 });
    expect(budget.budgetMs).toBe(36_000);
    budget.spend(35_900, 1000);
    expect(budget.waitMs(50, 2000)).toBe(0);
    expect(budget.waitMs(200, 2000)).toBe(3_600_000 + 60_000 - 2000);
    expect(budget.waitMs(36_001, 0)).toBe(Infinity);
  });
});

describe("persistent identity, settings and counters", () => {
  it("raises the boot counter and wraps seq into the next boot", () => {
    const storage = new MemoryStorage();
    expect(raiseBoot(storage)).toBe(0);
    expect(raiseBoot(storage)).toBe(1);
    const counter = new FrameCounter(storage, 1);
    counter.skipTo(0xffff);
    expect(counter.next()).toEqual({ boot: 1, seq: 0xffff });
    expect(counter.next()).toEqual({ boot: 2, seq: 0 });
    expect(storage.get("boot")).toBe(2);
    expect(raiseBoot(storage)).toBe(3);
  });

  it("stores settings in chunks that fit a 63-byte preference value, and survives damage", () => {
    const storage = new MemoryStorage();
    const settings = { statusS: 120, link: "lora", note: "x".repeat(200), spy: true };
    saveSettings(storage, settings);
    expect(loadSettings(storage)).toEqual(settings);
    for (let i = 0; i < (storage.get("cfg#") as number); i++) expect((storage.get(`cfg${i}`) as Uint8Array).length).toBeLessThanOrEqual(63);
    saveSettings(storage, { statusS: 60 });
    expect(loadSettings(storage)).toEqual({ statusS: 60 });
    expect(storage.get("cfg4")).toBeUndefined();
    storage.set("cfg0", new Uint8Array([0xff]));
    expect(loadSettings(storage)).toEqual({});
    expect(() => encodeSettings({ big: "y".repeat(SETTINGS_MAX_BYTES) })).toThrow(RangeError);
  });

  it("treats a missing or damaged identity as unprovisioned", () => {
    const storage = new MemoryStorage();
    expect(loadIdentity(storage)).toBeUndefined();
    saveIdentity(storage, { deviceId: 12, key: new Uint8Array(16).fill(7), role: "loop" });
    expect(loadIdentity(storage)).toEqual({ deviceId: 12, key: new Uint8Array(16).fill(7), role: "loop" });
    storage.set("role", "toaster");
    expect(loadIdentity(storage)).toBeUndefined();
    expect(() => saveIdentity(storage, { deviceId: 70000, key: new Uint8Array(16), role: "loop" })).toThrow(RangeError);
  });
});

describe("console protocol", () => {
  const key = new Uint8Array(16).fill(9);

  it("round-trips signed and unsigned requests and responses", () => {
    const args = new Map([["names", ["statusS"]]]);
    const unsigned = encodeConsoleRequest({ op: 2, counter: 0, args });
    expect(unsigned[0]).toBe(0x43);
    expect(parseConsoleRequest(unsigned, key)).toEqual({ op: 2, counter: 0, args, authenticated: false });
    const signed = encodeConsoleRequest({ op: 3, counter: 77, args }, key);
    expect(signed.length).toBe(encodeConsoleRequest({ op: 3, counter: 77, args }).length + 16);
    expect(parseConsoleRequest(signed, key).authenticated).toBe(true);
    expect(parseConsoleRequest(signed, new Uint8Array(16)).authenticated).toBe(false);
    const tampered = signed.slice();
    tampered[tampered.length - 17]! ^= 1; // a letter of "statusS": still valid CBOR
    expect(parseConsoleRequest(tampered, key).authenticated).toBe(false);
    const response = encodeConsoleResponse({ op: 3, counter: 77, status: 0, result: "ok" }, key);
    expect(response[0]).toBe(0x63);
    expect(parseConsoleResponse(response, key)).toEqual({ op: 3, counter: 77, status: 0, result: "ok" });
    expect(() => parseConsoleResponse(response, new Uint8Array(16))).toThrow(ConsoleFormatError);
  });

  it("refuses malformed requests", () => {
    expect(() => parseConsoleRequest(Uint8Array.of(0x87, 0x80))).toThrow(ConsoleFormatError);
    expect(() => parseConsoleRequest(Uint8Array.of(0x43, 0x82, 0x01, 0x02))).toThrow(/op, counter, args/);
    expect(() => parseConsoleRequest(Uint8Array.of(0x43, 0x83, 0x01))).toThrow(/bad CBOR/);
  });
});

describe("uplink queue budget at default intervals (the figures in docs/firmware.md)", () => {
  const key = new Uint8Array(16);
  let seq = 0;
  const frameOf = (type: string, body: unknown) =>
    encodeFrame({ type, deviceId: 1234, boot: 3, seq: seq++ & 0xffff, timeS: 1_760_000_000, body } as AnyEnvelope, key);
  const status = () => frameOf("status", { role: 3, batteryMv: 3900, uptimeS: 200000, firmware: 10000, queueDepth: 300 });

  /** Hours of an outage the default 16 KiB queue holds before its first eviction. */
  function hoursHeld(perHour: () => Uint8Array[]): number {
    const queue = new UplinkQueue(16384, Math.floor(16384 / MIN_FRAME_BYTES));
    for (let hour = 0; ; hour++) {
      const frames = perHour();
      for (let i = 0; i < frames.length; i++) {
        queue.push(frames[i]!, { boot: 3, seq: i, alarm: false, unsynced: false });
        if (queue.droppedRoutine > 0) return hour + i / frames.length;
      }
    }
  }

  it("holds about 17 h of a flood station, 11 h of a sign, 5 h of a one-lane loop detector", () => {
    const flood = hoursHeld(() => [
      ...Array.from({ length: 12 }, () => frameOf("floodReport", { distanceMm: 1650, levelMm: 350, riseMmPerH: 12, status: 0, referenceMm: 2000, temperatureDc: 285, samples: 5 })),
      ...Array.from({ length: 12 }, status),
    ]);
    const sign = hoursHeld(() => [
      ...Array.from({ length: 12 }, () => frameOf("signStats", { intervalS: 300, count: 120, meanSpeedDkmh: 452, p85Kmh: 52, maxKmh: 71, overLimit: 30, limitKmh: 40 })),
      ...Array.from({ length: 12 }, () => frameOf("signHistogram", { intervalS: 300, binWidthKmh: 5, firstBin: 4, counts: [3, 10, 25, 40, 30, 10, 2, 1] })),
      ...Array.from({ length: 12 }, status),
    ]);
    const loop = hoursHeld(() => [
      ...Array.from({ length: 60 }, () => frameOf("loopInterval", { lane: 0, intervalS: 60, volume: 25, occupancyPermille: 120, speedKmh: 62, lengthDm: 45, classes: [1, 20, 3, 1, 0], headwayDs: 24 })),
      ...Array.from({ length: 12 }, status),
    ]);
    console.info(`16 KiB queue holds: flood ${flood.toFixed(1)} h, sign ${sign.toFixed(1)} h, loop (1 lane) ${loop.toFixed(1)} h`);
    expect(flood).toBeGreaterThanOrEqual(16.5);
    expect(sign).toBeGreaterThanOrEqual(10.5);
    expect(loop).toBeGreaterThanOrEqual(4.7);
  });
});
