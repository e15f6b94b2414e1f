// The provisioning console's wire format, shared by the unit and the technician's tool (it runs
// on XS and Node). Frames travel SLIP-framed on the host UART beside envelope frames; their first
// byte tells them apart (an envelope starts with 0x87):
//   request   'C' (0x43) | CBOR [op, counter, args]          | MIC (16 bytes, once a key is set)
//   response  'c' (0x63) | CBOR [op, counter, status, result] | MIC (16 bytes, when the unit has a key)
// MIC = HMAC-SHA-256(device key, marker byte + CBOR bytes), first 16 bytes. Once a unit has a key
// it refuses changes (set identity, set settings, reboot) unless the request carries a valid MIC
// and a counter above the last one it accepted, which it persists: a recorded request cannot be
// replayed. Reads (info, get settings, self-test) are answered without a MIC too. A role test
// (args {test: name}, one its descriptor declares) changes what the unit shows, so it is signed
// too; its answer {pass, found} comes once the test is over.

import { decode, encode } from "../../shared/cbor.js";
import { hmacSha256, timingSafeEqual } from "../../shared/hmac.js";

export const CONSOLE_REQUEST = 0x43;
export const CONSOLE_RESPONSE = 0x63;
export const CONSOLE_MIC_BYTES = 16;

export const ConsoleOp = { info: 0, setIdentity: 1, getSettings: 2, setSettings: 3, selfTest: 4, reboot: 5, roleTest: 6 } as const;
export type ConsoleOpName = keyof typeof ConsoleOp;

export const ConsoleStatus = { ok: 0, badRequest: 1, unauthorized: 2, replay: 3, refused: 4, unknownOp: 5 } as const;

/** Ops that change the unit: they need the MIC and a fresh counter once a key is set. */
export const MUTATING_OPS: readonly number[] = [ConsoleOp.setIdentity, ConsoleOp.setSettings, ConsoleOp.reboot, ConsoleOp.roleTest];

export const MAX_COUNTER = 0xffffffff;

export interface ConsoleRequest {
  op: number;
  counter: number;
  /** a CBOR map (decoded as a Map) or null */
  args: unknown;
}

export interface ParsedRequest extends ConsoleRequest {
  /** the MIC checked out under the unit's key */
  authenticated: boolean;
}

export interface ConsoleResponse {
  op: number;
  counter: number;
  status: number;
  result: unknown;
}

export class ConsoleFormatError extends Error {
  override name = "ConsoleFormatError";
}

export function consoleMic(key: Uint8Array, signed: Uint8Array): Uint8Array {
  return hmacSha256(key, signed).subarray(0, CONSOLE_MIC_BYTES);
}

export function encodeConsoleRequest(request: ConsoleRequest, key?: Uint8Array): Uint8Array {
  return sign(CONSOLE_REQUEST, [request.op, request.counter, request.args ?? null], key);
}

export function encodeConsoleResponse(response: ConsoleResponse, key?: Uint8Array): Uint8Array {
  return sign(CONSOLE_RESPONSE, [response.op, response.counter, response.status, response.result ?? null], key);
}

/**
 * Reads a request. With a key, a frame whose last 16 bytes are a valid MIC is authenticated;
 * any other frame is read as an unauthenticated request without a MIC.
 */
export function parseConsoleRequest(frame: Uint8Array, key?: Uint8Array): ParsedRequest {
  const { fields, authenticated } = open(CONSOLE_REQUEST, frame, key);
  const [op, counter, args] = fields;
  if (fields.length !== 3 || !isUint(op, 255) || !isUint(counter, MAX_COUNTER)) {
    throw new ConsoleFormatError("a request is [op, counter, args]");
  }
  return { op, counter, args, authenticated };
}

/** Reads a response; with a key the MIC is required. */
export function parseConsoleResponse(frame: Uint8Array, key?: Uint8Array): ConsoleResponse {
  if (key && !micChecks(frame, key)) throw new ConsoleFormatError("response MIC does not match the key");
  const { fields } = open(CONSOLE_RESPONSE, frame, key);
  const [op, counter, status, result] = fields;
  if (fields.length !== 4 || !isUint(op, 255) || !isUint(counter, MAX_COUNTER) || !isUint(status, 255)) {
    throw new ConsoleFormatError("a response is [op, counter, status, result]");
  }
  return { op, counter, status, result };
}

function sign(marker: number, fields: unknown[], key: Uint8Array | undefined): Uint8Array {
  const body = encode(fields);
  const signed = new Uint8Array(1 + body.length);
  signed[0] = marker;
  signed.set(body, 1);
  if (!key) return signed;
  const frame = new Uint8Array(signed.length + CONSOLE_MIC_BYTES);
  frame.set(signed, 0);
  frame.set(consoleMic(key, signed), signed.length);
  return frame;
}

function micChecks(frame: Uint8Array, key: Uint8Array): boolean {
  if (frame.length <= 1 + CONSOLE_MIC_BYTES) return false;
  const cut = frame.length - CONSOLE_MIC_BYTES;
  return timingSafeEqual(consoleMic(key, frame.subarray(0, cut)), frame.subarray(cut));
}

function open(marker: number, frame: Uint8Array, key: Uint8Array | undefined): { fields: unknown[]; authenticated: boolean } {
  if (frame[0] !== marker) throw new ConsoleFormatError("not a console frame");
  const withoutMic = frame.subarray(1, Math.max(1, frame.length - CONSOLE_MIC_BYTES));
  if (key && micChecks(frame, key)) return { fields: fieldsOf(withoutMic), authenticated: true };
  try {
    return { fields: fieldsOf(frame.subarray(1)), authenticated: false };
  } catch (err) {
    // Signed under another key: readable, but not authenticated.
    if (!key || frame.length <= 1 + CONSOLE_MIC_BYTES) throw err;
    return { fields: fieldsOf(withoutMic), authenticated: false };
  }
}

function fieldsOf(body: Uint8Array): unknown[] {
  let decoded: unknown;
  try {
    decoded = decode(body);
  } catch (err) {
    throw new ConsoleFormatError(`bad CBOR: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!Array.isArray(decoded)) throw new ConsoleFormatError("a console frame holds a CBOR array");
  return decoded;
}

function isUint(value: unknown, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= max;
}
