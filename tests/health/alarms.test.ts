import { describe, expect, it } from "vitest";
import { healthAlarm } from "../../gateway/health/alarms.js";
import { DeviceHealth } from "../../gateway/health/device-health.js";
import { T0 } from "../support/time.js";


describe("health transitions as alarms", () => {
  it("raises and clears each alarm type from real transitions, a silent flood gauge as critical", () => {
    const health = new DeviceHealth([{ id: 101, role: "loop" }, { id: 103, role: "flood" }], { startedAt: T0, policy: { link: { window: 1 } } });
    health.observe(101, { boot: 1, seq: 0, type: "status", receivedAt: T0, batteryMv: 11_200, rssiDbm: -124, snrDb10: -40 });
    health.observe(101, { boot: 1, seq: 1, type: "status", receivedAt: T0 + 60_000, batteryMv: 12_300, rssiDbm: -100, snrDb10: 60 });
    const early = health.tick(T0 + 60_000).map((t) => healthAlarm(t, "loop"));
    expect(early).toEqual([
      { alarmType: "batteryLow", severity: "medium", description: "loop unit 101 battery at 11.2 V, below 11.5 V", batteryVoltage: 11.2, thresholdVoltage: 11.5 },
      { alarmType: "linkDegraded", severity: "low", description: "loop unit 101 link degraded: RSSI -124 dBm, SNR -4 dB", rssi: -124, snr: -4 },
      { alarmType: "batteryLow", severity: "informational", description: "loop unit 101 battery back at 12.3 V", batteryVoltage: 12.3, thresholdVoltage: 11.9 },
      { alarmType: "linkDegraded", severity: "informational", description: "loop unit 101 link recovered: RSSI -100 dBm, SNR 6 dB", rssi: -100, snr: 6 },
    ]);

    const silent = health.tick(T0 + 800_000);
    expect(silent.map((t) => healthAlarm(t, t.deviceId === 103 ? "flood" : "loop"))).toEqual([
      { alarmType: "deviceOffline", severity: "medium", description: "loop unit 101 silent for 740 s (expected every 60 s)", lastSeen: "2026-11-23T03:01:00.000Z", expectedInterval: 60 },
      { alarmType: "deviceOffline", severity: "critical", description: "flood unit 103 not heard since the gateway started", lastSeen: null, expectedInterval: 300 },
    ]);

    health.observe(103, { boot: 1, seq: 0, type: "floodReport", receivedAt: T0 + 900_000 });
    const [back] = health.tick(T0 + 900_000);
    expect(healthAlarm(back!, "flood")).toEqual({ alarmType: "deviceOffline", severity: "informational", description: "flood unit 103 heard again after 900 s", silentFor: 900 });
  });
});
