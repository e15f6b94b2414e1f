import type { Envelope } from "../../shared/envelope.js";
import type { MessageTypeName } from "../../shared/messages.js";
import type { Device } from "../registry/registry.js";

/** An output kind: a role's own (gateway/roles/<role>/) or a core one (alarm, status); also a topic level. */
export type Kind = string;

export interface Normalized {
  kind: Kind;
  /** extra topic levels under the kind, e.g. a lane; empty for most */
  payload: Record<string, unknown>;
}

/** Device clocks before this are unset (no ack has set the time yet); the gateway's clock stands in. */
const EARLIEST_PLAUSIBLE_S = Date.UTC(2024, 0, 1) / 1000;

export function observedAt(env: Envelope<MessageTypeName>, receivedAt: Date): { at: Date; timeSource: "device" | "gateway" } {
  if (env.timeS >= EARLIEST_PLAUSIBLE_S) return { at: new Date(env.timeS * 1000), timeSource: "device" };
  return { at: receivedAt, timeSource: "gateway" };
}

/** Who sent a message and where it stands: every message about a device carries these, whoever builds it. */
export function deviceFields(device: Device): Record<string, unknown> {
  return {
    deviceId: device.id,
    deviceName: device.name,
    siteId: device.site,
    location: { type: "Point", coordinates: [device.location.lon, device.location.lat] },
    ...(device.road !== undefined ? { roadName: device.road } : {}),
    ...(device.direction !== undefined ? { direction: device.direction } : {}),
  };
}

/** Site metadata and provenance that every normalized message carries. */
export function commonFields(env: Envelope<MessageTypeName>, device: Device, receivedAt: Date, type: string): Record<string, unknown> {
  const { at, timeSource } = observedAt(env, receivedAt);
  return {
    id: `urn:ngsi-ld:${type}:${device.site}:${device.id}:${env.boot}:${env.seq}`,
    type,
    ...deviceFields(device),
    dateObserved: at.toISOString(),
    timeSource,
    receivedAt: receivedAt.toISOString(),
    boot: env.boot,
    seq: env.seq,
  };
}

export const round = (value: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};
