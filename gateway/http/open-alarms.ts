import { healthAlarm } from "../health/alarms.js";
import type { DeviceHealth } from "../health/device-health.js";
import type { Device } from "../registry/registry.js";
import type { Store } from "../store/store.js";

/** An alarm still standing, as the page lists it on top. */
export interface OpenAlarm {
  deviceId: number;
  site: string;
  alarmType: string;
  severity: "warning" | "critical";
  /** ISO time it was raised (flood) or the unit was last heard (offline) */
  since: string | null;
  description: string;
  /** flood: the water level, m */
  level?: number;
}

/**
 * Alarms standing now: a flood station's latest alarm if it is not back to normal (from the
 * store's history), and the health states (offline, battery low, link degraded) from device health.
 */
export function openAlarms(devices: Device[], store: Pick<Store, "history">, health?: Pick<DeviceHealth, "snapshot">, now = Date.now()): OpenAlarm[] {
  const alarms: OpenAlarm[] = [];
  for (const d of devices) {
    const [last] = d.role === "flood" ? store.history({ deviceId: d.id, kind: "alarm", order: "desc", limit: 1 }) : [];
    if (last) {
      const p = JSON.parse(last.payload) as { floodLevelStatus?: string; severity?: string; description?: string; currentLevel?: number };
      if (p.floodLevelStatus && p.floodLevelStatus !== "normal") {
        alarms.push({
          deviceId: d.id, site: d.site, alarmType: "floodLevelStatus", severity: p.severity === "critical" ? "critical" : "warning",
          since: new Date(last.observedAt).toISOString(), description: p.description ?? "", ...(p.currentLevel !== undefined ? { level: p.currentLevel } : {}),
        });
      }
    }
    const h = health?.snapshot(d.id);
    if (!h) continue;
    const at = { deviceId: d.id, site: d.site, since: h.lastSeen };
    if (h.state === "offline") {
      const lastSeen = h.lastSeen === null ? null : Date.parse(h.lastSeen);
      const a = healthAlarm({ kind: "offline", deviceId: d.id, at: now, lastSeen, expectedIntervalS: h.expectedInterval }, d.role);
      alarms.push({ ...at, alarmType: a.alarmType, severity: a.severity === "critical" ? "critical" : "warning", description: a.description });
    }
    if (h.batteryLow) alarms.push({ ...at, alarmType: "batteryLow", severity: "warning", description: `${d.role} unit ${d.id} battery at ${h.batteryVoltage} V` });
    if (h.linkDegraded) alarms.push({ ...at, alarmType: "linkDegraded", severity: "warning", description: `${d.role} unit ${d.id} link degraded` });
  }
  return alarms;
}
