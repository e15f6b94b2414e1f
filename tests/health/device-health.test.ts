import { describe, expect, it } from "vitest";
import { DeviceHealth, type HealthDevice, type HealthTransition, type Observation } from "../../gateway/health/device-health.js";
import { T0 } from "../support/time.js";

const S = 1000;

const FLEET: HealthDevice[] = [
  { id: 101, role: "loop" },
  { id: 102, role: "sign" },
  { id: 103, role: "flood", reportIntervalS: 600 },
  { id: 104, role: "bridge" },
];

/** A device under test: frames with rising seq, on a clock the test moves. */
function device(health: DeviceHealth, id: number) {
  let boot = 1;
  let seq = 0;
  return {
    send(at: number, extra: Partial<Observation> = {}): void {
      health.observe(id, { boot, seq: seq++, type: "status", receivedAt: at, ...extra });
    },
    skip(n: number): void {
      seq += n;
    },
    reboot(): void {
      boot++;
      seq = 0;
    },
  };
}

const kinds = (ts: HealthTransition[]): string[] => ts.map((t) => `${t.deviceId}:${t.kind}`);

describe("device health: online and offline", () => {
  it("goes offline only after 2.5 missed intervals, once, and comes back on the next frame", () => {
    const health = new DeviceHealth(FLEET, { startedAt: T0 });
    const loop = device(health, 101);
    loop.send(T0);
    expect(health.snapshot(101)).toMatchObject({ state: "online", online: true, expectedInterval: 60, lastSeen: new Date(T0).toISOString() });

    expect(health.tick(T0 + 150 * S)).toEqual([]); // exactly 2.5 intervals: not yet
    const down = health.tick(T0 + 150 * S + 1);
    expect(down).toEqual([{ kind: "offline", deviceId: 101, at: T0 + 150 * S + 1, lastSeen: T0, expectedIntervalS: 60 }]);
    expect(health.snapshot(101)).toMatchObject({ state: "offline", online: false });
    expect(health.tick(T0 + 400 * S)).toEqual([]); // no repeat while it stays silent

    loop.send(T0 + 450 * S);
    const back = health.tick(T0 + 451 * S);
    expect(back).toEqual([{ kind: "online", deviceId: 101, at: T0 + 450 * S, silentForS: 450 }]);
    expect(health.snapshot(101)).toMatchObject({ state: "online", online: true, framesReceived: 2 });
    expect(health.tick(T0 + 452 * S)).toEqual([]);
  });

  it("uses the registry's reportIntervalS over the role default, and counts from start for a device never heard", () => {
    const health = new DeviceHealth(FLEET, { startedAt: T0 });
    expect(health.snapshot(102)).toMatchObject({ state: "unknown", online: false, lastSeen: null, expectedInterval: 300 });
    expect(health.snapshot(103)!.expectedInterval).toBe(600);

    // loop (60 s) and bridge (300 s default) never heard; sign heard at 700 s; flood heard at 1000 s
    expect(kinds(health.tick(T0 + 151 * S))).toEqual(["101:offline"]);
    device(health, 102).send(T0 + 700 * S);
    device(health, 103).send(T0 + 1000 * S);
    // 751 s: the bridge, never heard, is 2.5 x 300 s past the start; the flood gauge (600 s) is not
    const t751 = health.tick(T0 + 751 * S);
    expect(kinds(t751)).toEqual(["104:offline"]);
    expect(t751[0]).toMatchObject({ lastSeen: null });
    expect(kinds(health.tick(T0 + 1451 * S))).toEqual(["102:offline"]); // 700 + 2.5 x 300
    expect(kinds(health.tick(T0 + 2500 * S))).toEqual([]); // 1000 + 2.5 x 600: not yet
    expect(kinds(health.tick(T0 + 2500 * S + 1))).toEqual(["103:offline"]);
  });

  it("a unit never heard that went offline comes back online on its first frame, silent since the start; an unregistered id has no health", () => {
    const health = new DeviceHealth(FLEET, { startedAt: T0 });
    expect(kinds(health.tick(T0 + 151 * S))).toEqual(["101:offline"]);
    expect(health.snapshot(101)).toMatchObject({ state: "offline", lastSeen: null, framesReceived: 0 });
    device(health, 101).send(T0 + 200 * S);
    expect(health.tick(T0 + 201 * S)).toEqual([{ kind: "online", deviceId: 101, at: T0 + 200 * S, silentForS: 200 }]);
    health.observe(999, { boot: 1, seq: 0, type: "status", receivedAt: T0 });
    health.rejected(999);
    expect(health.snapshot(999)).toBeUndefined();
    expect(health.snapshots().map((s) => s.deviceId)).toEqual([101, 102, 103, 104]);
  });

  it("follows a changed reporting interval at once", () => {
    const health = new DeviceHealth(FLEET, { startedAt: T0 });
    device(health, 102).send(T0);
    health.setExpectedInterval(102, 30);
    expect(health.snapshot(102)!.expectedInterval).toBe(30);
    expect(kinds(health.tick(T0 + 76 * S))).toContain("102:offline");
  });
});

describe("device health: sequence gaps", () => {
  it("counts lost frames from seq jumps, credits late resends, and starts fresh on a reboot", () => {
    const health = new DeviceHealth(FLEET, { startedAt: T0 });
    const at = T0;
    const obs = (boot: number, seq: number) => health.observe(101, { boot, seq, type: "loopInterval", receivedAt: at });

    for (const seq of [0, 1, 2, 5]) obs(1, seq); // 3 and 4 missing
    expect(health.snapshot(101)).toMatchObject({ lostFrames: 2, boot: 1, seq: 5, reboots: 0 });
    obs(1, 3); // resent after a lost ack: no longer lost
    expect(health.snapshot(101)!.lostFrames).toBe(1);

    obs(2, 0); // reboot: seq restarts, no gap across boots
    obs(2, 1);
    expect(health.snapshot(101)).toMatchObject({ lostFrames: 1, boot: 2, seq: 1, reboots: 1 });
    obs(2, 4); // 2 and 3 missing
    expect(health.snapshot(101)!.lostFrames).toBe(3);
    obs(1, 4); // the old boot's missing frame, resent from the device's queue after the reboot
    expect(health.snapshot(101)).toMatchObject({ lostFrames: 2, boot: 2, seq: 4, reboots: 1 });

    obs(7, 10); // a reboot whose first frames were lost is still a fresh start
    expect(health.snapshot(101)).toMatchObject({ lostFrames: 2, boot: 7, seq: 10, reboots: 2, framesReceived: 10 });
    expect(health.snapshot(101)!.framesByType).toEqual({ loopInterval: 10 });

    // four boots are remembered: 9 pushes out 1, the oldest of 1, 2, 7 and 8, and its resends are ignored
    obs(8, 0);
    obs(9, 0);
    obs(2, 6); // boot 2 is still remembered: 5 is lost
    expect(health.snapshot(101)).toMatchObject({ lostFrames: 3, boot: 9, seq: 0, reboots: 4 });
    obs(1, 9); // boot 1 was forgotten, and is older than every boot remembered
    expect(health.snapshot(101)).toMatchObject({ lostFrames: 3, boot: 9, seq: 0, reboots: 4, framesReceived: 14 });
  });

  it("first frame after a gateway restart opens no gap; rejected frames are counted apart", () => {
    const health = new DeviceHealth(FLEET, { startedAt: T0 });
    health.observe(102, { boot: 4, seq: 1234, type: "signStats", receivedAt: T0 });
    health.rejected(102);
    health.rejected(102);
    health.rejected(999); // not in the registry: ignored
    health.observe(999, { boot: 1, seq: 1, type: "status", receivedAt: T0 });
    expect(health.snapshot(102)).toMatchObject({ lostFrames: 0, framesReceived: 1, framesRejected: 2 });
    expect(health.snapshot(999)).toBeUndefined();
  });
});

describe("device health: battery and link", () => {
  it("fires battery-low once below the role's limit and battery-ok once above the recovery level", () => {
    const health = new DeviceHealth(FLEET, { startedAt: T0 });
    const flood = device(health, 103);
    // one Li-ion cell: low below 3.3 V, healthy again from 3.45 V; readings wobble around the limit
    const mv = [3350, 3290, 3310, 3280, 3340, 3400, 3440, 3460, 3420, 3300];
    const seen: HealthTransition[] = [];
    for (const [i, batteryMv] of mv.entries()) {
      flood.send(T0 + i * S, { batteryMv });
      seen.push(...health.tick(T0 + i * S));
    }
    expect(seen).toEqual([
      { kind: "battery-low", deviceId: 103, at: T0 + 1 * S, batteryVoltage: 3.29, thresholdV: 3.3 },
      { kind: "battery-ok", deviceId: 103, at: T0 + 7 * S, batteryVoltage: 3.46, thresholdV: 3.45 },
    ]);
    expect(health.snapshot(103)).toMatchObject({ batteryVoltage: 3.3, batteryLow: false });
  });

  it("judges 12 V lead-acid roles by their own limit, skips units without a battery, and takes overrides", () => {
    const health = new DeviceHealth(FLEET, { startedAt: T0, policy: { battery: { sign: { lowV: 12.0, recoverV: 12.4 } } } });
    device(health, 101).send(T0, { batteryMv: 11_400 });
    device(health, 102).send(T0, { batteryMv: 11_900 });
    device(health, 103).send(T0, { batteryMv: 0 }); // no battery gauge: not "0 V"
    device(health, 104).send(T0, { batteryMv: 1000 }); // USB powered bridge: no battery policy
    expect(kinds(health.tick(T0))).toEqual(["101:battery-low", "102:battery-low"]);
    expect(health.snapshot(103)!.batteryVoltage).toBeNull();
    expect(health.snapshot(104)).toMatchObject({ batteryVoltage: 1, batteryLow: false });
  });

  it("fires link-degraded once on a weak mean RSSI and link-ok once it clears the hysteresis", () => {
    const health = new DeviceHealth(FLEET, { startedAt: T0 });
    const sign = device(health, 102);
    const rssi = [-110, -112, -125, -126, -124, -119, -123, -121, -118, -119, -110, -105, -100, -100];
    const seen: HealthTransition[] = [];
    for (const [i, rssiDbm] of rssi.entries()) {
      sign.send(T0 + i * S, { rssiDbm, snrDb10: 20 });
      seen.push(...health.tick(T0 + i * S));
    }
    // means of the last 5: ... -121.2 at i=5 (degraded), never back above -117 until i=11
    expect(kinds(seen)).toEqual(["102:link-degraded", "102:link-ok"]);
    expect(seen[0]).toMatchObject({ at: T0 + 5 * S, rssi: -121.2, snr: 2 });
    expect(seen[1]).toMatchObject({ at: T0 + 11 * S, rssi: -114.6 });
    expect(health.snapshot(102)).toMatchObject({ linkDegraded: false, rssi: -106.8, snr: 2 });
  });

  it("a low SNR alone degrades the link; limits are configurable", () => {
    const health = new DeviceHealth(FLEET, { startedAt: T0, policy: { link: { snrLowDb: -10, window: 1 } } });
    const flood = device(health, 103);
    flood.send(T0, { rssiDbm: -90, snrDb10: -95 });
    expect(health.tick(T0)).toEqual([]);
    flood.send(T0 + S, { rssiDbm: -90, snrDb10: -105 });
    const t = health.tick(T0 + S);
    expect(t).toEqual([{ kind: "link-degraded", deviceId: 103, at: T0 + S, rssi: -90, snr: -10.5 }]);
    flood.send(T0 + 2 * S, { rssiDbm: -90, snrDb10: -80 }); // -8 dB: above -10 but inside the 3 dB hysteresis
    flood.send(T0 + 3 * S, { rssiDbm: -90, snrDb10: -60 });
    expect(kinds(health.tick(T0 + 3 * S))).toEqual(["103:link-ok"]);
  });
});

describe("device health: which bridges heard a unit", () => {
  it("names each bridge by the unit whose own frames arrive on its link, with the latest radio figures, best SNR first, for 15 minutes", () => {
    const health = new DeviceHealth(FLEET, { startedAt: T0 });
    const flood = device(health, 103);
    const relayed = (link: string, rssiDbm: number, snrDb10: number) => ({ link, relayed: true, rssiDbm, snrDb10 });
    flood.send(T0, relayed("/dev/ttyUSB1", -110, -20));
    // the bridge on ttyUSB1 has not spoken yet: known by its link only
    expect(health.snapshot(103)!.heardBy).toEqual([{ bridge: null, link: "/dev/ttyUSB1", frames: 1, rssi: -110, snr: -2, lastHeard: new Date(T0).toISOString() }]);
    device(health, 104).send(T0 + S, { link: "/dev/ttyUSB1" });
    flood.send(T0 + 60 * S, relayed("/dev/ttyUSB1", -108, 45));
    flood.send(T0 + 61 * S, relayed("/dev/ttyUSB2", -90, 80));
    expect(health.snapshot(103)!.heardBy).toEqual([
      { bridge: null, link: "/dev/ttyUSB2", frames: 1, rssi: -90, snr: 8, lastHeard: new Date(T0 + 61 * S).toISOString() },
      { bridge: 104, link: "/dev/ttyUSB1", frames: 2, rssi: -108, snr: 4.5, lastHeard: new Date(T0 + 60 * S).toISOString() },
    ]);
    // a bridge that has not relayed it for 15 minutes drops out; a unit heard on a wire has no list
    flood.send(T0 + 961 * S, relayed("/dev/ttyUSB2", -91, 79));
    expect(health.snapshot(103)!.heardBy.map((h) => h.link)).toEqual(["/dev/ttyUSB2"]);
    expect(health.snapshot(104)!.heardBy).toEqual([]);
  });
});
