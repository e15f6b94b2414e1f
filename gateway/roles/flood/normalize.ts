import type { Envelope } from "../../../shared/envelope.js";
import { FloodStatus, type FloodStatusName } from "../../../shared/roles/flood.js";
import type { Device } from "../../registry/registry.js";
import { alertFields, commonFields, observedAt, round, type AlertSeverity, type Normalized } from "../../normalize/common.js";

const STATUS_NAMES = Object.keys(FloodStatus) as FloodStatusName[];
/** Jakarta water-gate stages: Siaga 4 is normal, Siaga 1 the most severe. */
const SIAGA: Record<FloodStatusName, string> = { normal: "Siaga 4", alert: "Siaga 3", danger: "Siaga 2" };
/** Alert severity of a change to each status; back to normal clears the alert. */
const SEVERITY: Record<FloodStatusName, AlertSeverity> = { normal: "informational", alert: "high", danger: "critical" };

const statusName = (code: number): FloodStatusName => STATUS_NAMES[code] ?? "normal";
const metres = (mm: number): number => round(mm / 1000, 3);

function thresholds(device: Device): Record<string, number> {
  return device.flood ? { alertLevel: device.flood.alertLevelM, dangerLevel: device.flood.dangerLevelM } : {};
}

/**
 * A flood station report as FIWARE FloodMonitoring, an observation of the station's entity; levels
 * in metres above the channel bed. `floodLevelStatus` keeps the wire's lower-case names: the
 * model leaves its values free (its text writes both "Danger" and "danger").
 */
export function normalizeFloodReport(env: Envelope<"floodReport">, device: Device, receivedAt: Date): Normalized {
  const b = env.body;
  const status = statusName(b.status);
  const payload: Record<string, unknown> = {
    ...commonFields(env, device, receivedAt, "FloodMonitoring"),
    stationID: String(device.id),
    currentLevel: metres(b.levelMm),
    measuredDistance: metres(b.distanceMm),
    referenceLevel: metres(b.referenceMm),
    ...thresholds(device),
    floodLevelStatus: status,
    alertStage: SIAGA[status],
    levelRiseRate: round(b.riseMmPerH / 1000, 3),
    samples: b.samples,
  };
  if (b.temperatureDc !== undefined) payload.temperature = round(b.temperatureDc / 10, 1);
  if (b.faults) payload.faults = b.faults;
  return { kind: "flood", payload };
}

/** A flood status change as a FIWARE Alert, published at once on the alarm topic: one alert entity per station. */
export function normalizeFloodAlarm(env: Envelope<"floodAlarm">, device: Device, receivedAt: Date): Normalized {
  const b = env.body;
  const status = statusName(b.status);
  const previous = statusName(b.previous);
  return {
    kind: "alarm",
    payload: {
      ...commonFields(env, device, receivedAt, "Alert", "floodLevelStatus"),
      ...alertFields({ category: "naturalDisaster", subCategory: "flood", severity: SEVERITY[status], cleared: status === "normal" }, observedAt(env, receivedAt).at),
      alarmType: "floodLevelStatus",
      description: `flood status ${previous} -> ${status} at ${metres(b.levelMm)} m`,
      floodLevelStatus: status,
      previousFloodLevelStatus: previous,
      alertStage: SIAGA[status],
      currentLevel: metres(b.levelMm),
      thresholdLevel: metres(b.thresholdMm),
      levelRiseRate: round(b.riseMmPerH / 1000, 3),
    },
  };
}
