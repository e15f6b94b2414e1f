// Envelope v1: CBOR array [version, deviceId, boot, seq, type, timeS, body] followed by a
// 4-byte MIC = HMAC-SHA-256(deviceKey, arrayBytes) truncated, as LoRaWAN keeps 32 bits.
// The array is what the MIC covers, so the gateway can check it before trusting any field.

import { encode } from "./cbor.js";
import { ProtocolError } from "./errors.js";
import { hmacSha256, timingSafeEqual } from "./hmac.js";
import { PROTOCOL_VERSION, type BodyByType, type FieldSpec, type MessageTypeName } from "./messages.js";
import { BODY_SPECS, MessageType, typeName } from "./roles/catalog.js";

export const MIC_BYTES = 4;
/** Largest frame either side accepts; LoRa packets are at most 255 bytes. */
export const MAX_FRAME = 255;
/** seq is 16 bits on the air; a device that reaches it raises boot and restarts seq at 0. */
export const MAX_SEQ = 0xffff;
export const MAX_BOOT = 0xffff;
export const MAX_DEVICE_ID = 0xffff;

export type Mac = (key: Uint8Array, data: Uint8Array) => Uint8Array;

export interface Header {
  deviceId: number;
  boot: number;
  seq: number;
  timeS: number;
}

export interface Envelope<T extends MessageTypeName = MessageTypeName> extends Header {
  type: T;
  body: BodyByType[T];
}

export type AnyEnvelope = { [T in MessageTypeName]: Envelope<T> }[MessageTypeName];

/** Converts a named body to the integer-keyed map that goes on the air; absent optionals are left out. */
export function bodyToWire<T extends MessageTypeName>(type: T, body: BodyByType[T]): Map<number, unknown> {
  const specs = BODY_SPECS[type] as Record<string, FieldSpec>;
  const values = body as unknown as Record<string, unknown>;
  const wire = new Map<number, unknown>();
  // for-in, not Object.keys: no array of names made per message (the specs are plain objects)
  for (const name in specs) {
    const spec = specs[name] as FieldSpec;
    const value = values[name];
    if (value === undefined) {
      if (!spec.optional) throw new ProtocolError("range", `${type}.${name} is required`);
      continue;
    }
    checkField(type, name, spec, value);
    wire.set(spec.key, value);
  }
  return wire;
}

/** Reads and range-checks an integer-keyed body (a Map from our codec or an object from cbor-x). */
export function bodyFromWire<T extends MessageTypeName>(type: T, wire: unknown): BodyByType[T] {
  const get = wireGetter(wire);
  if (!get) throw new ProtocolError("envelope", `${type} body is not a map`);
  const specs = BODY_SPECS[type] as Record<string, FieldSpec>;
  const body: Record<string, unknown> = {};
  for (const name in specs) {
    const spec = specs[name] as FieldSpec;
    const value = get(spec.key);
    if (value === undefined) {
      if (!spec.optional) throw new ProtocolError("range", `${type}.${name} (key ${spec.key}) missing`);
      continue;
    }
    checkField(type, name, spec, value);
    body[name] = Array.isArray(value) ? value.slice() : value;
  }
  return body as unknown as BodyByType[T];
}

function wireGetter(wire: unknown): ((key: number) => unknown) | undefined {
  if (wire instanceof Map) return (key) => wire.get(key);
  if (wire !== null && typeof wire === "object" && !Array.isArray(wire) && !(wire instanceof Uint8Array)) {
    const record = wire as Record<string, unknown>;
    return (key) => record[String(key)];
  }
  return undefined;
}

function checkField(type: string, name: string, spec: FieldSpec, value: unknown): void {
  if (spec.maxItems !== undefined) {
    if (!Array.isArray(value) || value.length > spec.maxItems) {
      throw new ProtocolError("range", `${type}.${name} must be an array of at most ${spec.maxItems} integers`);
    }
    for (const item of value) checkInteger(type, name, spec, item);
    return;
  }
  checkInteger(type, name, spec, value);
}

function checkInteger(type: string, name: string, spec: FieldSpec, value: unknown): void {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new ProtocolError("range", `${type}.${name} must be an integer`);
  }
  if (value < spec.min || value > spec.max) {
    throw new ProtocolError("range", `${type}.${name}=${value} outside ${spec.min}..${spec.max}`);
  }
}

/** The bytes the MIC covers. */
export function encodeSigned(env: AnyEnvelope): Uint8Array {
  checkHeader(env);
  return encode([
    PROTOCOL_VERSION, env.deviceId, env.boot, env.seq, MessageType[env.type] as number, env.timeS,
    bodyToWire(env.type, env.body as never),
  ]);
}

export function computeMic(key: Uint8Array, signed: Uint8Array, mac: Mac = hmacSha256): Uint8Array {
  return mac(key, signed).subarray(0, MIC_BYTES);
}

/** A complete frame: signed bytes followed by the truncated MIC. */
export function encodeFrame(env: AnyEnvelope, key: Uint8Array, mac: Mac = hmacSha256): Uint8Array {
  const signed = encodeSigned(env);
  const frame = new Uint8Array(signed.length + MIC_BYTES);
  frame.set(signed, 0);
  frame.set(computeMic(key, signed, mac), signed.length);
  return frame;
}

export interface SplitFrame {
  signed: Uint8Array;
  mic: Uint8Array;
}

export function splitFrame(frame: Uint8Array): SplitFrame {
  if (frame.length <= MIC_BYTES + 1) throw new ProtocolError("framing", `frame of ${frame.length} bytes is too short`);
  if (frame.length > MAX_FRAME) throw new ProtocolError("framing", `frame of ${frame.length} bytes exceeds ${MAX_FRAME}`);
  const cut = frame.length - MIC_BYTES;
  return { signed: frame.subarray(0, cut), mic: frame.subarray(cut) };
}

export function micMatches(key: Uint8Array, split: SplitFrame, mac: Mac = hmacSha256): boolean {
  return timingSafeEqual(computeMic(key, split.signed, mac), split.mic);
}

/** The envelope fields of a decoded array, checked for shape but not yet for the MIC. */
export interface RawEnvelope extends Header {
  type: MessageTypeName;
  wireBody: unknown;
}

export function parseEnvelope(decoded: unknown): RawEnvelope {
  if (!Array.isArray(decoded) || decoded.length !== 7) {
    throw new ProtocolError("envelope", "envelope must be a 7-element array");
  }
  const [version, deviceId, boot, seq, type, timeS, wireBody] = decoded as unknown[];
  if (version !== PROTOCOL_VERSION) throw new ProtocolError("version", `unsupported protocol version ${String(version)}`);
  const name = typeof type === "number" ? typeName(type) : undefined;
  if (name === undefined) throw new ProtocolError("type", `unknown message type ${String(type)}`);
  // one object, checked in place (no spread copies): every frame the gateway hears comes through here
  const raw = { deviceId, boot, seq, timeS, type: name, wireBody } as Record<keyof Header, unknown>;
  checkHeader(raw);
  return raw as unknown as RawEnvelope;
}

/** Full decode after the MIC has been verified. */
export function openEnvelope(raw: RawEnvelope): AnyEnvelope {
  const { deviceId, boot, seq, timeS, type } = raw;
  return { deviceId, boot, seq, timeS, type, body: bodyFromWire(type, raw.wireBody) } as AnyEnvelope;
}

const HEADER_LIMITS: Record<keyof Header, number> = {
  deviceId: MAX_DEVICE_ID, boot: MAX_BOOT, seq: MAX_SEQ, timeS: 0xffffffff,
};

const HEADER_FIELDS = Object.keys(HEADER_LIMITS) as (keyof Header)[];

function checkHeader(h: Record<keyof Header, unknown>): void {
  for (const field of HEADER_FIELDS) {
    const value = h[field];
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > HEADER_LIMITS[field]) {
      throw new ProtocolError("envelope", `${field} must be an integer in 0..${HEADER_LIMITS[field]}`);
    }
  }
}
