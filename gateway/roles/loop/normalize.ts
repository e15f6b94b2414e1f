import type { Envelope } from "../../../shared/envelope.js";
import type { Device } from "../../registry/registry.js";
import { commonFields, isoTime, observedMs, round, type Normalized } from "../../normalize/common.js";

export const LENGTH_CLASSES = ["motorcycle", "short", "medium", "long", "veryLong"] as const;

/**
 * A loop interval record as FIWARE TrafficFlowObserved (occupancy as a 0–1 fraction): an
 * observation of the lane's entity. The model counts lanes from 1; the wire and the registry from 0.
 */
export function normalizeLoopInterval(env: Envelope<"loopInterval">, device: Device, receivedAt: Date): Normalized {
  const b = env.body;
  const at = observedMs(env, receivedAt);
  const lane = device.lanes?.find((l) => l.lane === b.lane);
  // added to the common fields' object rather than spread into a new one: the hottest message
  const payload = commonFields(env, device, receivedAt, "TrafficFlowObserved", `lane${b.lane + 1}`);
  payload.laneId = b.lane + 1;
  payload.dateObservedFrom = isoTime(at - b.intervalS * 1000);
  payload.dateObservedTo = isoTime(at);
  payload.intensity = b.volume;
  payload.occupancy = round(b.occupancyPermille / 1000, 3);
  const classes: Record<string, number> = {};
  b.classes.forEach((count, i) => { classes[LENGTH_CLASSES[i] ?? `class${i}`] = count; });
  payload.vehicleClassCounts = classes;
  if (lane?.direction) payload.laneDirection = lane.direction;
  if (b.speedKmh !== undefined) payload.averageVehicleSpeed = b.speedKmh;
  if (b.lengthDm !== undefined) payload.averageVehicleLength = round(b.lengthDm / 10, 1);
  if (b.headwayDs !== undefined) payload.averageHeadwayTime = round(b.headwayDs / 10, 1);
  return { kind: "traffic", payload };
}
