// One reading in words a person at the roadside reads at a glance: local time, units, the figures
// that matter for its kind. Shared by `watch` and `commission`.

import { timeAttribute } from "../normalize/common.js";

type Payload = Record<string, unknown>;

/** When a message was observed: each FIWARE model names that attribute its own way. */
export const observed = (p: Payload): unknown => p[timeAttribute(String(p.type))];

const n = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const fixed = (v: unknown, digits: number, unit: string): string => (n(v) === undefined ? "" : `${n(v)!.toFixed(digits)} ${unit}`);

const vehicles = (v: unknown): string => `${String(v)} ${v === 1 ? "vehicle" : "vehicles"}`;

export function localTime(iso: unknown): string {
  const t = typeof iso === "string" ? new Date(iso) : undefined;
  return t && !Number.isNaN(t.getTime()) ? t.toLocaleTimeString(undefined, { hour12: false }) : "--:--:--";
}

/** The reading's figures, without who or when. */
export function describe(kind: string, p: Payload): string {
  switch (kind) {
    case "traffic":
      return [`lane ${String(p.laneId)}: ${vehicles(p.intensity)}`, fixed(p.averageVehicleSpeed, 0, "km/h"),
        n(p.occupancy) !== undefined ? `occupancy ${(n(p.occupancy)! * 100).toFixed(1)} %` : ""].filter(Boolean).join(", ");
    case "speed":
      if (Array.isArray(p.bins)) {
        const bins = Array.isArray(p.bins) ? (p.bins as Array<{ from: number; count: number }>).filter((b) => b.count > 0) : [];
        return `speeds: ${bins.map((b) => `${b.from}+ km/h ×${b.count}`).join(", ") || "none"}`;
      }
      return [vehicles(p.intensity), p.averageVehicleSpeed !== undefined ? `mean ${fixed(p.averageVehicleSpeed, 1, "km/h")}` : "",
        p.speedPercentile85 !== undefined ? `85th ${String(p.speedPercentile85)} km/h` : "",
        `${String(p.overSpeedLimitCount ?? 0)} over the ${String(p.speedLimit)} km/h limit`].filter(Boolean).join(", ");
    case "flood":
      return [`level ${fixed(p.currentLevel, 3, "m")}`, String(p.floodLevelStatus ?? ""),
        n(p.levelRiseRate) ? `${n(p.levelRiseRate)! > 0 ? "rising" : "falling"} ${fixed(Math.abs(n(p.levelRiseRate)!) * 1000, 0, "mm/h")}` : "",
        p.temperature !== undefined ? fixed(p.temperature, 1, "°C") : ""].filter(Boolean).join(", ");
    case "alarm":
      return `${String(p.severity ?? "").toUpperCase()} ${String(p.description ?? p.alarmType)}`;
    case "status":
      return [`battery ${fixed(p.batteryVoltage, 2, "V")}`, `up ${String(p.uptime)} s`, `queue ${String(p.queueDepth)}`,
        n(p.faults) ? `faults 0x${n(p.faults)!.toString(16)}` : "",
        p.online === false ? "OFFLINE" : "", p.uplinkRssi !== undefined ? `RSSI ${String(p.uplinkRssi)} dBm, SNR ${String(p.uplinkSnr)} dB` : ""]
        .filter(Boolean).join(", ");
    default:
      return JSON.stringify(p);
  }
}

/** Whether a line deserves the eye: an alarm that is not a clearance. */
export const isAlarm = (kind: string, p: Payload): boolean => kind === "alarm" && p.severity !== "informational";
