// What a unit keeps in persistent storage (Moddable `preference` on the device): its identity,
// its settings, the boot counter and the console's request counter. Preference values hold at
// most 63 bytes on Moddable, so the settings map is CBOR split over numbered chunks.

import { decode, encode } from "../../shared/cbor.js";
import { MAX_BOOT, MAX_DEVICE_ID } from "../../shared/envelope.js";
import type { RoleName } from "../../shared/messages.js";
import { RoleCode } from "../../shared/roles/catalog.js";
import type { Storage } from "../platform/platform.js";
import type { SettingValue } from "./settings.js";

export interface Identity {
  deviceId: number;
  /** HMAC key shared with the gateway, 16 to 32 bytes */
  key: Uint8Array;
  role: RoleName;
}

export const KEY_MIN_BYTES = 16;
export const KEY_MAX_BYTES = 32;
/** CBOR bytes of the whole settings map */
export const SETTINGS_MAX_BYTES = 1024;

const K = { id: "id", key: "key", role: "role", boot: "boot", counter: "cctr", chunks: "cfg#", chunk: "cfg" } as const;
const CHUNK_BYTES = 48;

export function isRoleName(value: unknown): value is RoleName {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(RoleCode, value);
}

/** Why an identity is unusable, or undefined when it is fine. */
export function checkIdentity(id: unknown, key: unknown, role: unknown): string | undefined {
  if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id > MAX_DEVICE_ID) return `device id must be 0..${MAX_DEVICE_ID}`;
  if (!(key instanceof Uint8Array) || key.length < KEY_MIN_BYTES || key.length > KEY_MAX_BYTES) {
    return `key must be ${KEY_MIN_BYTES}..${KEY_MAX_BYTES} bytes`;
  }
  if (!isRoleName(role)) return `role must be one of ${Object.keys(RoleCode).join("|")}`;
  return undefined;
}

/** The stored identity, or undefined for an unprovisioned (or damaged) unit. */
export function loadIdentity(storage: Storage): Identity | undefined {
  const id = storage.get(K.id);
  const key = storage.get(K.key);
  const role = storage.get(K.role);
  if (checkIdentity(id, key, role) !== undefined) return undefined;
  return { deviceId: id as number, key: (key as Uint8Array).slice(), role: role as RoleName };
}

export function saveIdentity(storage: Storage, identity: Identity): void {
  const problem = checkIdentity(identity.deviceId, identity.key, identity.role);
  if (problem) throw new RangeError(problem);
  storage.set(K.id, identity.deviceId);
  storage.set(K.key, identity.key.slice());
  storage.set(K.role, identity.role);
}

/** The key alone, which the console needs even when the rest of the identity is incomplete. */
export function loadKey(storage: Storage): Uint8Array | undefined {
  const key = storage.get(K.key);
  return key instanceof Uint8Array && key.length >= KEY_MIN_BYTES ? key.slice() : undefined;
}

/** Raises and persists the boot counter before anything is sent; returns this boot's number. */
export function raiseBoot(storage: Storage): number {
  const previous = storage.get(K.boot);
  const next = typeof previous === "number" && Number.isInteger(previous) ? (previous + 1) & MAX_BOOT : 0;
  storage.set(K.boot, next);
  return next;
}

export function storedBoot(storage: Storage): number | undefined {
  const boot = storage.get(K.boot);
  return typeof boot === "number" ? boot : undefined;
}

export function saveBoot(storage: Storage, boot: number): void {
  storage.set(K.boot, boot & MAX_BOOT);
}

/** The console's last accepted request counter (authenticated requests must exceed it). */
export function loadConsoleCounter(storage: Storage): number {
  const value = storage.get(K.counter);
  return typeof value === "number" ? value : -1;
}

export function saveConsoleCounter(storage: Storage, counter: number): void {
  storage.set(K.counter, counter);
}

/** Provisioned settings; a damaged map reads as empty so the unit still boots on defaults. */
export function loadSettings(storage: Storage): Record<string, SettingValue> {
  const count = storage.get(K.chunks);
  if (typeof count !== "number" || count <= 0) return {};
  const bytes = new Uint8Array(count * CHUNK_BYTES);
  let length = 0;
  for (let i = 0; i < count; i++) {
    const chunk = storage.get(K.chunk + i);
    if (!(chunk instanceof Uint8Array)) return {};
    bytes.set(chunk, length);
    length += chunk.length;
  }
  try {
    return settingsFromWire(decode(bytes.subarray(0, length)));
  } catch {
    return {};
  }
}

export function saveSettings(storage: Storage, settings: Readonly<Record<string, SettingValue>>): void {
  const bytes = encodeSettings(settings);
  const previous = storage.get(K.chunks);
  const count = Math.ceil(bytes.length / CHUNK_BYTES);
  for (let i = 0; i < count; i++) storage.set(K.chunk + i, bytes.slice(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES));
  if (typeof previous === "number") for (let i = count; i < previous; i++) storage.delete(K.chunk + i);
  // The count goes last: a reset halfway leaves the old count, whose chunks then fail to decode.
  storage.set(K.chunks, count);
}

export function encodeSettings(settings: Readonly<Record<string, SettingValue>>): Uint8Array {
  const map = new Map<string, SettingValue>();
  for (const name of Object.keys(settings)) map.set(name, settings[name] as SettingValue);
  const bytes = encode(map);
  if (bytes.length > SETTINGS_MAX_BYTES) throw new RangeError(`settings take ${bytes.length} bytes, more than ${SETTINGS_MAX_BYTES}`);
  return bytes;
}

function settingsFromWire(wire: unknown): Record<string, SettingValue> {
  if (!(wire instanceof Map)) return {};
  const out: Record<string, SettingValue> = {};
  for (const [name, value] of wire) {
    if (typeof name === "string" && isSettingValue(value)) out[name] = value;
  }
  return out;
}

export function isSettingValue(value: unknown): value is SettingValue {
  return typeof value === "boolean" || typeof value === "string" || (typeof value === "number" && Number.isFinite(value));
}
