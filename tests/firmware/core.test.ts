// The firmware core on the real XS engine with a simulated board: boot counter, sequence numbers,
// the uplink queue across outages, acks and the clock, status frames. The Node side plays the
// gateway with independent code (cbor-x, node:crypto) and checks every frame the unit sends.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Decoder } from "cbor-x";
import { AckResult, MAX_AIR_FRAME } from "../../shared/messages.js";
import { splitFrame } from "../../shared/envelope.js";
import { startXs, type XsSession } from "../xs/harness.js";
import { ackBytes, envelopesIn, verify, type Received } from "./fixtures/core-gateway.js";

const ENTRY = new URL("./fixtures/core-entry.ts", import.meta.url).pathname;
const KEY = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
const EARLIEST_WALL_S = Date.UTC(2024, 0, 1) / 1000;
const GATEWAY_TIME_S = 1_750_000_000;

type State = Record<string, unknown> & {
  boot: number; nextSeq: number; queueLength: number; queueBytes: number; queueCapacity: number; droppedRoutine: number;
  droppedAlarms: number; queuedAlarms: number; nowS: number; synced: boolean; sent: number; resent: number; missedAcks: number;
  acked: number; storedBoot: number; stats: Record<string, number>; timeMs: number; autoAcked: number;
};

const floodReport = (levelMm: number) => ({ distanceMm: 2000 - levelMm, levelMm, riseMmPerH: 12, status: 0, referenceMm: 2000, samples: 5 });
const floodAlarm = (levelMm: number) => ({ status: 1, previous: 0, levelMm, riseMmPerH: 300, thresholdMm: 1200 });

describe("firmware core on XS", () => {
  let xs: XsSession;
  const call = async <T>(fn: string, ...args: unknown[]): Promise<T> => (await xs.call<T>(fn, ...args)).value;
  const frames = async (name: string, ms: number): Promise<Received[]> => envelopesIn(await call<Uint8Array>("advance", name, ms), KEY);

  beforeAll(async () => {
    xs = await startXs(ENTRY, { name: "core" });
  });

  afterAll(async () => {
    await xs?.close();
  });

  it("raises and persists the boot counter at every boot, and restarts seq", async () => {
    await call("bootUnit", "boots", { deviceId: 7, key: KEY });
    const first = await frames("boots", 0);
    expect(first.map((r) => [r.envelope.type, r.envelope.boot, r.envelope.seq])).toEqual([["status", 0, 0]]);
    for (const expected of [1, 2, 3]) {
      const state = await call<State>("restartUnit", "boots");
      expect(state.boot).toBe(expected);
      expect(state.storedBoot).toBe(expected);
      const [status] = await frames("boots", 0);
      expect([status!.envelope.boot, status!.envelope.seq]).toEqual([expected, 0]);
    }
  });

  it("raises and persists boot when seq wraps past 0xFFFF, and a restart continues above it", async () => {
    await call("bootUnit", "wrap", { deviceId: 8, key: KEY });
    const bootStatus = await frames("wrap", 0);
    await call("skipSeq", "wrap", 0xfffe);
    for (let i = 0; i < 3; i++) await call("report", "wrap", "floodReport", floodReport(100 + i));
    // Stop-and-wait: acking each frame as it arrives lets the next one out.
    const seen: [number, number][] = [];
    let pending = bootStatus;
    while (pending.length > 0) {
      for (const { envelope } of pending) seen.push([envelope.boot, envelope.seq]);
      let next: Received[] = [];
      for (const { envelope } of pending) next = next.concat(envelopesIn(await call<Uint8Array>("deliver", "wrap", ackBytes(envelope, KEY, GATEWAY_TIME_S)), KEY));
      next = next.concat(await frames("wrap", 10));
      pending = next;
    }
    expect(seen).toEqual([[0, 0], [0, 0xfffe], [0, 0xffff], [1, 0]]);
    expect((await call<State>("state", "wrap")).storedBoot).toBe(1);
    const after = await call<State>("restartUnit", "wrap");
    expect(after.boot).toBe(2);
  });

  it("keeps a unit whose role cannot start reachable: status frames and the console go on", async () => {
    const state = await call<State>("bootUnit", "norole", { deviceId: 9, key: KEY, failingRole: true });
    expect(state.roleError).toBe('this board has no "radar"');
    const [status] = await frames("norole", 0);
    expect(status!.envelope.type).toBe("status");
  });

  it("sends frames the gateway verifies and cbor-x decodes, byte-identical in meaning", async () => {
    await call("bootUnit", "verify", { deviceId: 513, key: KEY });
    await call("report", "verify", "floodReport", floodReport(345));
    const out = await call<Uint8Array>("advance", "verify", 0);
    const [status] = envelopesIn(out, KEY);
    expect(status!.envelope.type).toBe("status");
    const decoded = new Decoder({ mapsAsObjects: false, useRecords: false }).decode(splitFrame(status!.frame).signed) as unknown[];
    expect(decoded.slice(0, 6)).toEqual([1, 513, 0, 0, 0, 0]);
    expect(decoded[6]).toBeInstanceOf(Map);
    // A frame signed with another key is refused by the gateway.
    expect(() => verify(status!.frame, new Uint8Array(16))).toThrow(/MIC/);
    // The report waits behind the status (stop-and-wait) until the status is acked.
    const next = envelopesIn(await call<Uint8Array>("deliver", "verify", ackBytes(status!.envelope, KEY, GATEWAY_TIME_S)), KEY)
      .concat(await frames("verify", 1));
    expect(next.map((r) => r.envelope.type)).toEqual(["floodReport"]);
    expect(next[0]!.envelope.body).toEqual(floodReport(345));
  });

  it("keeps reports across a two-hour outage, resends after missed acks, and delivers each once after", async () => {
    await call("bootUnit", "outage", { deviceId: 21, key: KEY });
    const seenDuringOutage = await frames("outage", 0);
    for (let minute = 1; minute <= 120; minute++) {
      await call("report", "outage", "floodReport", floodReport(minute));
      seenDuringOutage.push(...(await frames("outage", 60_000)));
    }
    const during = await call<State>("state", "outage");
    expect(during.queueLength).toBe(1 + 120 + 24); // boot status, 120 reports, a status every 300 s
    expect(during.missedAcks).toBeGreaterThan(5);
    expect(during.resent).toBe(during.sent - 1);
    expect(new Set(seenDuringOutage.map((r) => r.envelope.seq))).toEqual(new Set([0])); // only the head is retried
    // Resends back off: 2 s, 4 s, ... capped at 300 s (±25 % jitter), so two hours take few attempts.
    expect(during.sent).toBeLessThan(40);
    expect(during.synced).toBe(false);

    // The link is back: the gateway acks every frame as it arrives.
    const delivered: Received[] = [];
    let pending = await frames("outage", 400_000);
    for (let round = 0; pending.length > 0 && round < 400; round++) {
      let next: Received[] = [];
      for (const r of pending) {
        delivered.push(r);
        next = next.concat(envelopesIn(await call<Uint8Array>("deliver", "outage", ackBytes(r.envelope, KEY, GATEWAY_TIME_S)), KEY));
      }
      pending = next.concat(await frames("outage", 5));
    }
    // Every frame arrives: seq 0 up to the last, statuses made meanwhile included. Only the head
    // may have gone out twice before its ack (a resend the gateway acks as a duplicate).
    const unique = new Set(delivered.map((r) => r.envelope.seq));
    expect([...unique].sort((a, b) => a - b)).toEqual(Array.from({ length: unique.size }, (_, i) => i));
    expect(unique.size).toBeGreaterThanOrEqual(145);
    expect(delivered.length - unique.size).toBeLessThanOrEqual(2);
    const seqs = delivered.map((r) => r.envelope.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(delivered.filter((r) => r.envelope.type === "floodReport").map((r) => r.envelope.seq)).size).toBe(120);
    const after = await call<State>("state", "outage");
    expect(after.queueLength).toBe(0);
    expect(after.synced).toBe(true);
    // Frames made before the first ack were re-stamped with the wall time of their making.
    const reportTimes = delivered.filter((r) => r.envelope.type === "floodReport").map((r) => r.envelope.timeS);
    expect(Math.min(...reportTimes)).toBeGreaterThan(EARLIEST_WALL_S);
    const first = delivered.find((r) => r.envelope.type === "floodReport" && (r.envelope.body as { levelMm: number }).levelMm === 1)!;
    const last = delivered.find((r) => r.envelope.type === "floodReport" && (r.envelope.body as { levelMm: number }).levelMm === 120)!;
    expect(last.envelope.timeS - first.envelope.timeS).toBe(119 * 60);
  });

  it("sets its clock from an ack and ignores acks for frames it does not hold", async () => {
    await call("bootUnit", "clock", { deviceId: 22, key: KEY });
    const [status] = await frames("clock", 1000);
    expect((await call<State>("state", "clock")).nowS).toBe(1);
    await call("deliver", "clock", ackBytes(status!.envelope, KEY, GATEWAY_TIME_S));
    const synced = await call<State>("state", "clock");
    expect(synced.synced).toBe(true);
    expect(synced.nowS).toBe(GATEWAY_TIME_S);
    await frames("clock", 10_000);
    expect((await call<State>("state", "clock")).nowS).toBe(GATEWAY_TIME_S + 10);
    // A replay of that ack (or any ack for a settled frame) must not move the clock back.
    await call("deliver", "clock", ackBytes(status!.envelope, KEY, GATEWAY_TIME_S - 5000));
    const replayed = await call<State>("state", "clock");
    expect(replayed.nowS).toBe(GATEWAY_TIME_S + 10);
    expect(replayed.stats.staleAcks).toBe(1);
    // An ack under a wrong key is refused outright.
    await call("report", "clock", "floodReport", floodReport(5));
    const [report] = await frames("clock", 1);
    await call("deliver", "clock", ackBytes(report!.envelope, new Uint8Array(16).fill(1), GATEWAY_TIME_S));
    const forged = await call<State>("state", "clock");
    expect(forged.stats.downlinkErrors).toBe(1);
    expect(forged.queueLength).toBe(1);
    // A "rejected" ack settles the frame too: resending what the gateway refused cannot help.
    await call("deliver", "clock", ackBytes(report!.envelope, KEY, GATEWAY_TIME_S + 11, AckResult.rejected));
    const settled = await call<State>("state", "clock");
    expect(settled.queueLength).toBe(0);
    expect(settled.stats.rejectedByGateway).toBe(1);
  });

  it("bounds the queue to its memory budget, dropping the oldest routine frames and keeping alarms", async () => {
    await call("bootUnit", "bound", { deviceId: 23, key: KEY, settings: { queueBytes: 1024 } });
    for (let i = 0; i < 60; i++) {
      await call("report", "bound", i % 10 === 5 ? "floodAlarm" : "floodReport", i % 10 === 5 ? floodAlarm(1000 + i) : floodReport(i));
      await frames("bound", 30_000);
      const s = await call<State>("state", "bound");
      expect(s.queueBytes).toBeLessThanOrEqual(1024);
    }
    const s = await call<State>("state", "bound");
    expect(s.queueCapacity).toBe(1024);
    expect(s.droppedRoutine).toBeGreaterThan(20);
    expect(s.droppedAlarms).toBe(0);
    expect(s.queuedAlarms).toBe(6);
    // Only alarms left and still more alarms: then the oldest alarm goes, never the new one.
    for (let i = 0; i < 40; i++) await call("report", "bound", "floodAlarm", floodAlarm(2000 + i));
    const full = await call<State>("state", "bound");
    expect(full.queueBytes).toBeLessThanOrEqual(1024);
    expect(full.queuedAlarms).toBe(full.queueLength);
    expect(full.droppedAlarms).toBeGreaterThan(0);
  });

  it("sends status frames at boot and every statusS, each within 51 bytes with worst real values", async () => {
    await call("bootUnit", "status", { deviceId: 0xffff, key: KEY, autoAck: true, settings: { statusS: 60 } });
    await call("setBattery", "status", 3100);
    const statuses = (await frames("status", 3_600_000)).filter((r) => r.envelope.type === "status");
    expect(statuses.map((r) => r.envelope.seq)).toEqual(Array.from({ length: 61 }, (_, i) => i));
    const times = statuses.slice(1).map((r) => r.envelope.timeS);
    expect(times.every((t, i) => i === 0 || t - times[i - 1]! === 60)).toBe(true);
    const sizes = statuses.map((r) => r.frame.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_AIR_FRAME);
    expect(statuses[0]!.envelope.body).toMatchObject({ role: 3, batteryMv: 3700, firmware: 10000, uptimeS: 0, queueDepth: 0 });
    expect(statuses[0]!.envelope.body).not.toHaveProperty("faults");
    // Below lowBattMv (3400 mV) the status carries Fault.lowBattery; serial units report no RSSI.
    expect(statuses[1]!.envelope.body).toEqual({ role: 3, batteryMv: 3100, uptimeS: 60, firmware: 10000, queueDepth: 0, faults: 128 });
    console.info(`status frame sizes on the serial link: ${Math.min(...sizes)}..${Math.max(...sizes)} bytes`);
    const worst = await call<Uint8Array>("worstStatusFrame", "status", {
      batteryMv: 4200, uptimeS: 40_000_000, queueDepth: 512, rssiDbm: -125, snrDb10: -200, faults: 0xff,
    });
    expect(worst.length).toBeLessThanOrEqual(MAX_AIR_FRAME);
    expect(verify(worst, KEY).body).toMatchObject({ queueDepth: 512, snrDb10: -200 });
  });

  it("runs 24 simulated hours with a gateway acking everything, without heap growth", async () => {
    await call("bootUnit", "day", { deviceId: 24, key: KEY, autoAck: true, settings: { statusS: 60 } });
    const meters: number[] = [];
    let compute = 0;
    for (let hour = 0; hour < 24; hour++) {
      for (let m = 0; m < 60; m++) await call("report", "day", "floodReport", floodReport(m));
      const step = await xs.call<Uint8Array>("advance", "day", 3_600_000);
      compute += step.meter.compute;
      if (hour === 11 || hour === 23) meters.push((await xs.gc()).currentHeapCount);
    }
    const s = await call<State>("state", "day");
    expect(s.queueLength).toBe(0);
    expect(s.autoAcked).toBe(24 * 60 * 2 + 1);
    expect(s.missedAcks).toBe(0);
    expect(meters[1]).toBeLessThanOrEqual(meters[0]! * 1.02);
    console.info(`core 24 h on XS: heap slots after gc at 12 h ${meters[0]}, at 24 h ${meters[1]}; compute ${compute}`);
  });
});
