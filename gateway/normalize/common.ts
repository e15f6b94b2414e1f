import type { Envelope } from "../../shared/envelope.js";
import type { MessageTypeName } from "../../shared/messages.js";
import type { Device } from "../registry/registry.js";

export type Kind = "traffic" | "speed" | "flood" | "alarm" | "status";

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

/** Site metadata and provenance that every normalized message carries. */
export function commonFields(env: Envelope<MessageTypeName>, device: Device, receivedAt: Date, type: string): Record<string, unknown> {
  const { at, timeSource } = observedAt(env, receivedAt);
  const fields: Record<string, unknown> = {
    id: `urn:ngsi-ld:${type}:${device.site}:${device.id}:${env.boot}:${env.seq}`,
    type,
    deviceId: device.id,
    deviceName: device.name,
    siteId: device.site,
    location: { type: "Point", coordinates: [device.location.lon, device.location.lat] },
    dateObserved: at.toISOString(),
    timeSource,
    receivedAt: receivedAt.toISOString(),
    boot: env.boot,
    seq: env.seq,
  };
  if (device.road !== undefined) fields.roadName = device.road;
  if (device.direction !== undefined) fields.direction = device.direction;
  return fields;
}

export const round = (value: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};
