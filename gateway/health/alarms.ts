import type { RoleName } from "../../shared/messages.js";
import { roleNamed } from "../../shared/roles/catalog.js";
import type { AlertSeverity } from "../normalize/common.js";
import type { HealthTransition } from "./device-health.js";

export type HealthAlarmType = "deviceOffline" | "batteryLow" | "linkDegraded";

/** The alarm-specific fields of a health transition, to go with the common fields of an `alarm` message. */
export interface HealthAlarm {
  alarmType: HealthAlarmType;
  /** the Alert model's severity; informational when the condition has cleared */
  severity: AlertSeverity;
  description: string;
  /** ISO time of the last frame; null when the device was never heard since the gateway started */
  lastSeen?: string | null;
  /** s */
  expectedInterval?: number;
  /** s of silence before the device came back */
  silentFor?: number;
  /** V */
  batteryVoltage?: number;
  /** V */
  thresholdVoltage?: number;
  /** dBm, mean of the recent frames */
  rssi?: number | null;
  /** dB, mean of the recent frames */
  snr?: number | null;
}

/** How grave a unit's silence is, as the role says it, in the Alert model's words. */
export const OFFLINE_SEVERITY: Record<"critical" | "warning", AlertSeverity> = { critical: "critical", warning: "medium" };

/** A health transition as an alarm for the situation room; how grave silence is, the role says. */
export function healthAlarm(t: HealthTransition, role: RoleName): HealthAlarm {
  const unit = `${role} unit ${t.deviceId}`;
  switch (t.kind) {
    case "offline":
      return {
        alarmType: "deviceOffline",
        severity: OFFLINE_SEVERITY[roleNamed(role)?.health.offlineSeverity ?? "warning"],
        description: t.lastSeen === null
          ? `${unit} not heard since the gateway started`
          : `${unit} silent for ${Math.round((t.at - t.lastSeen) / 1000)} s (expected every ${t.expectedIntervalS} s)`,
        lastSeen: t.lastSeen === null ? null : new Date(t.lastSeen).toISOString(),
        expectedInterval: t.expectedIntervalS,
      };
    case "online":
      return { alarmType: "deviceOffline", severity: "informational", description: `${unit} heard again after ${t.silentForS} s`, silentFor: t.silentForS };
    case "battery-low":
    case "battery-ok":
      return {
        alarmType: "batteryLow",
        severity: t.kind === "battery-low" ? "medium" : "informational",
        description: t.kind === "battery-low"
          ? `${unit} battery at ${t.batteryVoltage} V, below ${t.thresholdV} V`
          : `${unit} battery back at ${t.batteryVoltage} V`,
        batteryVoltage: t.batteryVoltage,
        thresholdVoltage: t.thresholdV,
      };
    case "link-degraded":
    case "link-ok":
      return {
        alarmType: "linkDegraded",
        severity: t.kind === "link-degraded" ? "low" : "informational",
        description: `${unit} link ${t.kind === "link-degraded" ? "degraded" : "recovered"}: RSSI ${t.rssi ?? "n/a"} dBm, SNR ${t.snr ?? "n/a"} dB`,
        rssi: t.rssi,
        snr: t.snr,
      };
  }
}
