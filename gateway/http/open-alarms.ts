import { healthAlarm } from "../health/alarms.js";
import type { DeviceHealth } from "../health/device-health.js";
import type { Device } from "../registry/registry.js";
import { gatewayRole } from "../roles/index.js";
import type { Store } from "../store/store.js";

/** An alarm still standing, as the page lists it on top. */
export interface OpenAlarm {
  deviceId: number;
  site: string;
  alarmType: string;
  severity: "warning" | "critical";
  /** ISO time it was raised (a role's alarm) or the unit was last heard (offline) */
  since: string | null;
  description: string;
  /** the level the alarm is about (a water level), m */
  level?: number;
}

/**
 * Alarms standing now: the latest alarm of a unit whose role raises its own (a water level
 * crossing a threshold), unless it was cleared, from the store's history; and the health states
 * (offline, battery low, link degraded) from device health.
 */
export function openAlarms(devices: Device[], store: Pick<Store, "history">, health?: Pick<DeviceHealth, "snapshot">, now = Date.now()): OpenAlarm[] {
  const alarms: OpenAlarm[] = [];
  for (const d of devices) {
    const own = gatewayRole(d.role)?.alarms?.types ?? [];
    const [last] = own.length > 0 ? store.history({ deviceId: d.id, kind: "alarm", order: "desc", limit: 1 }) : [];
    if (last) {
      const p = JSON.parse(last.payload) as { alarmType?: string; severity?: string; description?: string; currentLevel?: number };
      if (p.alarmType !== undefined && own.includes(p.alarmType) && p.severity !== "informational") { // informational: it has cleared
        alarms.push({
          deviceId: d.id, site: d.site, alarmType: p.alarmType, severity: p.severity === "critical" ? "critical" : "warning",
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
