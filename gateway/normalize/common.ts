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

/** `observedAt(...).at` in epoch ms, without making a Date and an object for it (several per frame). */
export function observedMs(env: Envelope<MessageTypeName>, receivedAt: Date): number {
  return env.timeS >= EARLIEST_PLAUSIBLE_S ? env.timeS * 1000 : receivedAt.getTime();
}

/** the last few whole seconds formatted, most frames' times fall in them (see isoTime) */
const SECONDS_KEPT = 4;
const keptSeconds: number[] = new Array<number>(SECONDS_KEPT).fill(NaN);
const keptPrefixes: string[] = new Array<string>(SECONDS_KEPT).fill("");
let nextSlot = 0;

/**
 * `new Date(ms).toISOString()`, without a Date and its formatting per call: every reading carries
 * three or four times, nearly all within the same few seconds, so each second is formatted once.
 */
export function isoTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  let slot = keptSeconds.indexOf(second);
  if (slot < 0) {
    slot = nextSlot;
    nextSlot = (nextSlot + 1) % SECONDS_KEPT;
    keptSeconds[slot] = second;
    keptPrefixes[slot] = new Date(second * 1000).toISOString().slice(0, -5); // without ".000Z"
  }
  const milli = ms - second * 1000;
  return `${keptPrefixes[slot]}.${milli < 10 ? "00" : milli < 100 ? "0" : ""}${milli}Z`;
}

/** A registry location as GeoJSON, the one location format of the messages and the HTTP API. */
export const geoPoint = (location: { lat: number; lon: number }): { type: "Point"; coordinates: [number, number] } => ({
  type: "Point",
  coordinates: [location.lon, location.lat],
});

/** The URN of a unit's Device entity (its `status`); its observations and alerts link to it. */
export const deviceUrn = (device: Pick<Device, "site" | "id">): string => `urn:ngsi-ld:Device:${device.site}:${device.id}`;

/**
 * How a model names an observation's time and the link to the unit that made it, where it does
 * not use `dateObserved` and `refDevice` (null: no link, the entity is the unit itself).
 */
const MODEL_NAMES: Readonly<Record<string, { time?: string; unit?: string | null }>> = {
  FloodMonitoring: { time: "observationDateTime" },
  Alert: { time: "dateIssued", unit: "alertSource" },
  Device: { unit: null },
};

/** The attribute that holds the observation time in a message of this model. */
export const timeAttribute = (type: string): string => MODEL_NAMES[type]?.time ?? "dateObserved";

/** Where the observation came from and when; a message the gateway makes itself has no frame. */
export interface Provenance {
  at: Date;
  timeSource: "device" | "gateway";
  receivedAt: Date;
  /** kept for exactly-once delivery: the same for every resend of the message, unique across messages */
  messageId: string;
  boot?: number;
  seq?: number;
}

/**
 * The fields every normalized message carries. `id` names the entity the message observes, stable
 * across messages (one per unit, lane, approach or alarm: `idParts` after the unit's); the
 * message itself is `messageId`.
 */
export function entityFields(device: Device, type: string, idParts: readonly (string | number)[], p: Provenance): Record<string, unknown> {
  const names = MODEL_NAMES[type];
  const unitLink = names?.unit === undefined ? "refDevice" : names.unit;
  // built field by field (no spreads, no computed literals): one object of one shape, cheap to
  // make and to serialize, as every reading goes through here
  const fields: Record<string, unknown> = {};
  fields.id = `urn:ngsi-ld:${type}:${device.site}:${device.id}${idParts.length ? `:${idParts.join(":")}` : ""}`;
  fields.type = type;
  fields.messageId = p.messageId;
  if (unitLink) fields[unitLink] = deviceUrn(device);
  fields.refSite = `urn:ngsi-ld:Site:${device.site}`;
  fields.deviceId = device.id;
  fields.deviceName = device.name;
  fields.siteId = device.site;
  fields.location = geoPoint(device.location);
  fields[timeAttribute(type)] = isoTime(p.at.getTime());
  fields.timeSource = p.timeSource;
  fields.receivedAt = isoTime(p.receivedAt.getTime());
  if (p.boot !== undefined) fields.boot = p.boot;
  if (p.seq !== undefined) fields.seq = p.seq;
  if (device.road !== undefined) fields.roadName = device.road;
  // the Device model's `direction` means Inlet/Outlet/Entry/Exit, not the road's direction
  if (device.direction !== undefined && type !== "Device") fields.direction = device.direction;
  return fields;
}

/** The common fields of a message made from a unit's frame. */
export function commonFields(env: Envelope<MessageTypeName>, device: Device, receivedAt: Date, type: string, ...idParts: (string | number)[]): Record<string, unknown> {
  return entityFields(device, type, idParts, {
    ...observedAt(env, receivedAt),
    receivedAt,
    messageId: `urn:ngsi-ld:${type}:${device.site}:${device.id}:${env.boot}:${env.seq}`,
    boot: env.boot,
    seq: env.seq,
  });
}

/** The Alert model's severities (smart-data-models/dataModel.Alert). */
export type AlertSeverity = "informational" | "low" | "medium" | "high" | "critical";

/** An Alert's own fields: a raised alert is valid from its time on; a cleared one ends then, at severity informational. */
export function alertFields(a: { category: string; subCategory?: string; severity: AlertSeverity; cleared: boolean }, at: Date): Record<string, unknown> {
  return {
    category: a.category,
    ...(a.subCategory ? { subCategory: a.subCategory } : {}),
    severity: a.cleared ? "informational" : a.severity,
    [a.cleared ? "validTo" : "validFrom"]: at.toISOString(),
  };
}

export const round = (value: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};
