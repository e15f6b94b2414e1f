import type { Envelope } from "../../../shared/envelope.js";
import type { Device } from "../../registry/registry.js";
import { commonFields, isoTime, observedMs, round, type Normalized } from "../../normalize/common.js";

function interval(env: Envelope<"signStats" | "signHistogram">, receivedAt: Date, intervalS: number) {
  const at = observedMs(env, receivedAt);
  return { dateObservedFrom: isoTime(at - intervalS * 1000), dateObservedTo: isoTime(at) };
}

/**
 * Speed-feedback sign statistics for one interval as FIWARE TrafficFlowObserved, an observation
 * of the approach the sign watches; speeds in km/h as FIWARE and DATEX II use.
 */
export function normalizeSignStats(env: Envelope<"signStats">, device: Device, receivedAt: Date): Normalized {
  const b = env.body;
  const payload: Record<string, unknown> = {
    ...commonFields(env, device, receivedAt, "TrafficFlowObserved", "approach"),
    ...interval(env, receivedAt, b.intervalS),
    intensity: b.count,
    speedLimit: b.limitKmh,
    overSpeedLimitCount: b.overLimit,
    overSpeedLimitShare: b.count > 0 ? round(b.overLimit / b.count, 3) : 0,
  };
  if (b.meanSpeedDkmh !== undefined) payload.averageVehicleSpeed = round(b.meanSpeedDkmh / 10, 1);
  if (b.p85Kmh !== undefined) payload.speedPercentile85 = b.p85Kmh;
  if (b.maxKmh !== undefined) payload.maxVehicleSpeed = b.maxKmh;
  return { kind: "speed", payload };
}

/**
 * One slice of the interval's speed histogram, an observation of the approach's histogram entity
 * (TrafficFlowObserved has no histogram: `binWidth` and `bins` are Pantau's); bins are
 * [lower, lower + width) km/h.
 */
export function normalizeSignHistogram(env: Envelope<"signHistogram">, device: Device, receivedAt: Date): Normalized {
  const b = env.body;
  return {
    kind: "speed",
    payload: {
      ...commonFields(env, device, receivedAt, "TrafficFlowObserved", "approach", "speedHistogram"),
      ...interval(env, receivedAt, b.intervalS),
      binWidth: b.binWidthKmh,
      bins: b.counts.map((count, i) => ({ from: (b.firstBin + i) * b.binWidthKmh, count })),
    },
  };
}
