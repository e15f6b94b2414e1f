// A small CBOR (RFC 8949) codec that runs on XS and Node: the firmware's encoder and decoder.
// Decoding treats input as hostile: every declared length is checked against the bytes left
// before anything is allocated, nesting is bounded, and all malformed input raises CborError.
// Numbers are JS numbers only (no bigint), so integers beyond ±(2^53-1) are refused rather than
// rounded. Maps always decode to a JS Map, whatever their keys, so callers handle one shape.
// Encoding follows the core deterministic encoding of RFC 8949 §4.2.1.

import { ProtocolError } from "./errors.js";

/**
 * truncated: input ends inside an item; length-overflow: a declared length or count exceeds what the
 * remaining input can hold; reserved-ai: additional information 28..30; depth: nesting beyond
 * maxDepth; trailing: bytes after the top-level item; unsupported: an item this codec does not
 * represent, or a value it cannot encode; tag: a tag number beyond 2^53-1 or not an integer;
 * bad-indefinite: a misplaced break, indefinite length where none is allowed, or a bad chunk.
 */
export type CborErrorCode =
  | "truncated" | "length-overflow" | "reserved-ai" | "depth" | "trailing" | "unsupported" | "tag"
  | "invalid-utf8" | "bad-indefinite" | "duplicate-key";

export class CborError extends ProtocolError {
  override name = "CborError";

  constructor(readonly code: CborErrorCode, message: string) {
    super("cbor", message);
  }
}

/** A tagged item (major type 6) passed through uninterpreted. */
export class Tagged {
  constructor(readonly tag: number, readonly value: unknown) {}
}

const DEFAULT_MAX_DEPTH = 16;
const INDEFINITE = -1;

/** Decoding state: the input, a view of it, the read position and the nesting bound. */
interface Reader { bytes: Uint8Array; view: DataView; pos: number; maxDepth: number }

export function decode(bytes: Uint8Array, options: { maxDepth?: number } = {}): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r: Reader = { bytes, view, pos: 0, maxDepth: options.maxDepth ?? DEFAULT_MAX_DEPTH };
  const value = readItem(r, 0);
  if (r.pos !== bytes.length) throw new CborError("trailing", `${bytes.length - r.pos} bytes after the item`);
  return value;
}

/** Consumes n bytes and returns the offset where they start. */
function take(r: Reader, n: number): number {
  if (n > r.bytes.length - r.pos) throw new CborError("truncated", `input ends at byte ${r.bytes.length}`);
  const at = r.pos;
  r.pos += n;
  return at;
}

/** Refuses a count of items that the remaining input cannot hold, before anything is allocated. */
function checkCount(r: Reader, count: number, minBytesEach: number): void {
  const left = r.bytes.length - r.pos;
  if (count * minBytesEach > left) {
    throw new CborError("length-overflow", `${count} declared at byte ${r.pos} but only ${left} bytes remain`);
  }
}

/** An item's head. 8-byte arguments above 2^53 come out inexact, but still above 2^53-1. */
function readHead(r: Reader): { major: number; ai: number; arg: number } {
  const first = r.view.getUint8(take(r, 1));
  const major = first >> 5;
  const ai = first & 0x1f;
  if (ai < 24) return { major, ai, arg: ai };
  switch (ai) {
    case 24: return { major, ai, arg: r.view.getUint8(take(r, 1)) };
    case 25: return { major, ai, arg: r.view.getUint16(take(r, 2)) };
    case 26: return { major, ai, arg: r.view.getUint32(take(r, 4)) };
    case 27: {
      const at = take(r, 8);
      return { major, ai, arg: r.view.getUint32(at) * 2 ** 32 + r.view.getUint32(at + 4) };
    }
    case 31: return { major, ai, arg: INDEFINITE };
    default: throw new CborError("reserved-ai", `reserved additional information ${ai} at byte ${r.pos - 1}`);
  }
}

function readItem(r: Reader, depth: number): unknown {
  const { major, ai, arg } = readHead(r);
  if (arg === INDEFINITE && (major < 2 || major === 6)) {
    throw new CborError("bad-indefinite", `indefinite length on major type ${major}`);
  }
  switch (major) {
    case 0: return safeInteger(arg);
    case 1: return safeInteger(-1 - arg);
    case 2: return arg === INDEFINITE ? Uint8Array.from(readChunks(r, 2).flatMap((c) => [...c])) : readDefinite(r, arg);
    case 3: return arg === INDEFINITE ? readChunks(r, 3).map(decodeUtf8).join("") : decodeUtf8(readDefinite(r, arg));
    case 4: return readArray(r, arg, nest(r, depth));
    case 5: return readMap(r, arg, nest(r, depth));
    case 6: {
      if (arg > Number.MAX_SAFE_INTEGER) throw new CborError("tag", "tag number beyond 2^53-1");
      return new Tagged(arg, readItem(r, nest(r, depth)));
    }
    default: return readSimple(r, ai, arg);
  }
}

function safeInteger(n: number): number {
  if (!Number.isSafeInteger(n)) throw new CborError("unsupported", "integer beyond ±(2^53-1)");
  return n;
}

function nest(r: Reader, depth: number): number {
  if (depth >= r.maxDepth) throw new CborError("depth", `nesting deeper than ${r.maxDepth}`);
  return depth + 1;
}

/** True (and consumed) if the next byte is a break. */
function atBreak(r: Reader): boolean {
  if (r.view.getUint8(take(r, 1)) === 0xff) return true;
  r.pos--;
  return false;
}

function readDefinite(r: Reader, length: number): Uint8Array {
  checkCount(r, length, 1);
  const at = take(r, length);
  // Copy into a plain Uint8Array: Buffer#slice (Node) would return a view of the input.
  return new Uint8Array(r.bytes.subarray(at, at + length));
}

/** Chunks of an indefinite string: definite strings of the same major type up to a break. */
function readChunks(r: Reader, major: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  while (!atBreak(r)) {
    const head = readHead(r);
    if (head.major !== major || head.arg === INDEFINITE) {
      throw new CborError("bad-indefinite", `chunk of major type ${head.major} in an indefinite string`);
    }
    chunks.push(readDefinite(r, head.arg));
  }
  return chunks;
}

/** Calls readOne count times, or up to a break if count is indefinite. */
function repeat(r: Reader, count: number, minBytesEach: number, readOne: () => void): void {
  if (count === INDEFINITE) {
    while (!atBreak(r)) readOne();
    return;
  }
  checkCount(r, count, minBytesEach);
  for (let i = 0; i < count; i++) readOne();
}

function readArray(r: Reader, count: number, depth: number): unknown[] {
  const items: unknown[] = [];
  repeat(r, count, 1, () => items.push(readItem(r, depth)));
  return items;
}

function readMap(r: Reader, count: number, depth: number): Map<unknown, unknown> {
  const map = new Map<unknown, unknown>();
  repeat(r, count, 2, () => {
    const key = readItem(r, depth);
    // A repeated key would silently overwrite the first value; hostile input must not do that.
    if (map.has(key)) throw new CborError("duplicate-key", `map key ${String(key)} repeated`);
    map.set(key, readItem(r, depth));
  });
  return map;
}

function readSimple(r: Reader, ai: number, arg: number): unknown {
  switch (ai) {
    case 20: return false;
    case 21: return true;
    case 22: return null;
    case 23: return undefined;
    case 25: return decodeHalf(arg);
    case 26: return r.view.getFloat32(r.pos - 4);
    case 27: return r.view.getFloat64(r.pos - 8);
    case 31: throw new CborError("bad-indefinite", `break outside an indefinite item at byte ${r.pos - 1}`);
    default: throw new CborError("unsupported", `simple value ${arg}`);
  }
}

function decodeHalf(bits: number): number {
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  let magnitude: number;
  if (exponent === 0) magnitude = mantissa * 2 ** -24; // zero and subnormals
  else if (exponent === 31) magnitude = mantissa === 0 ? Infinity : NaN;
  else magnitude = (mantissa + 1024) * 2 ** (exponent - 25);
  return bits & 0x8000 ? -magnitude : magnitude;
}

/** Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF, no cut sequences. */
function decodeUtf8(bytes: Uint8Array): string {
  // Pieces joined once: linear time, and no argument spread that could overflow a small XS stack.
  const pieces: string[] = [];
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i]!;
    const extra = lead < 0x80 ? 0 : lead < 0xc2 ? -1 : lead < 0xe0 ? 1 : lead < 0xf0 ? 2 : lead < 0xf5 ? 3 : -1;
    if (extra < 0 || i + extra >= bytes.length) throw new CborError("invalid-utf8", `bad UTF-8 at byte ${i}`);
    let cp = extra === 0 ? lead : lead & (0x3f >> extra);
    for (let k = 1; k <= extra; k++) {
      const next = bytes[i + k]!;
      if ((next & 0xc0) !== 0x80) throw new CborError("invalid-utf8", `bad UTF-8 continuation at byte ${i + k}`);
      cp = (cp << 6) | (next & 0x3f);
    }
    const overlong = cp < [0, 0x80, 0x800, 0x10000][extra]!;
    if (overlong || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      throw new CborError("invalid-utf8", `invalid code point at byte ${i}`);
    }
    pieces.push(String.fromCodePoint(cp));
    i += extra + 1;
  }
  return pieces.join("");
}

export function encode(value: unknown): Uint8Array {
  const out: number[] = [];
  writeItem(out, value);
  return Uint8Array.from(out);
}

function writeItem(out: number[], value: unknown): void {
  switch (typeof value) {
    case "number": return writeNumber(out, value);
    case "string": return writeBytes(out, 3, encodeUtf8(value));
    case "boolean": out.push(value ? 0xf5 : 0xf4); return;
    case "undefined": out.push(0xf7); return;
    case "object": return writeObject(out, value);
    default: throw new CborError("unsupported", `cannot encode a ${typeof value}`);
  }
}

function writeObject(out: number[], value: object | null): void {
  if (value === null) out.push(0xf6);
  else if (value instanceof Uint8Array) writeBytes(out, 2, value);
  else if (Array.isArray(value)) {
    writeHead(out, 4, value.length);
    for (const item of value) writeItem(out, item);
  } else if (value instanceof Map) {
    if (!writeAscendingUintMap(out, value)) writeMap(out, [...value]);
  }
  else if (value instanceof Tagged) {
    if (!Number.isSafeInteger(value.tag) || value.tag < 0) throw new CborError("tag", `bad tag number ${value.tag}`);
    writeHead(out, 6, value.tag);
    writeItem(out, value.value);
  } else if (isPlainObject(value)) writeMap(out, Object.entries(value));
  else throw new CborError("unsupported", `cannot encode a ${value.constructor?.name ?? "object"}`);
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The shortest head for an argument n in 0..2^53-1: ai 24..27 announce 1, 2, 4 or 8 bytes. */
function writeHead(out: number[], major: number, n: number): void {
  const size = n < 24 ? 0 : n < 0x100 ? 1 : n < 0x10000 ? 2 : n < 2 ** 32 ? 4 : 8;
  out.push((major << 5) | (size === 0 ? n : 24 + Math.log2(size)));
  // Division, not shifts: bitwise operators would cut n to 32 bits.
  for (let i = size - 1; i >= 0; i--) out.push(Math.floor(n / 2 ** (8 * i)) % 0x100);
}

function writeBytes(out: number[], major: number, bytes: ArrayLike<number>): void {
  writeHead(out, major, bytes.length);
  append(out, bytes);
}

function append(out: number[], bytes: ArrayLike<number>): void {
  for (let i = 0; i < bytes.length; i++) out.push(bytes[i]!);
}

function writeNumber(out: number[], n: number): void {
  // -0 is not an integer to CBOR: it goes on as a float so that it comes back as -0.
  if (Number.isSafeInteger(n) && !Object.is(n, -0)) return n >= 0 ? writeHead(out, 0, n) : writeHead(out, 1, -1 - n);
  // Deterministic encoding: the shortest float that holds the value exactly (§4.2.2 preferred).
  if (Number.isNaN(n)) return void out.push(0xf9, 0x7e, 0x00);
  const view = new DataView(new ArrayBuffer(8));
  if (Math.fround(n) === n) {
    view.setFloat32(0, n);
    const half = halfFromSingle(view.getUint32(0));
    if (half >= 0) out.push(0xf9, half >> 8, half & 0xff);
    else out.push(0xfa, ...new Uint8Array(view.buffer, 0, 4));
  } else {
    view.setFloat64(0, n);
    out.push(0xfb, ...new Uint8Array(view.buffer));
  }
}

/** The half-precision bits of a (non-NaN) single, or -1 if half precision cannot hold it exactly. */
function halfFromSingle(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127;
  const mantissa = bits & 0x7fffff;
  if (exponent === 128) return sign | 0x7c00; // Infinity
  if (exponent === -127) return mantissa === 0 ? sign : -1; // zero; single subnormals are below half range
  if (exponent >= -14 && exponent <= 15) {
    return (mantissa & 0x1fff) === 0 ? sign | ((exponent + 15) << 10) | (mantissa >>> 13) : -1;
  }
  if (exponent >= -24 && exponent < -14) {
    // Half subnormal: value = m * 2^-24, so m = significand * 2^(exponent + 1).
    const significand = 0x800000 | mantissa;
    const shift = -exponent - 1;
    return (significand & ((1 << shift) - 1)) === 0 ? sign | (significand >>> shift) : -1;
  }
  return -1;
}

function encodeUtf8(text: string): number[] {
  const bytes: number[] = [];
  for (const char of text) {
    const cp = char.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) throw new CborError("invalid-utf8", "string holds a lone surrogate");
    if (cp < 0x80) bytes.push(cp);
    else if (cp < 0x800) bytes.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) bytes.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else bytes.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  }
  return bytes;
}

/** Map entries in the bytewise order of their encoded keys (§4.2.1); equal keys are refused. */
function writeMap(out: number[], entries: [unknown, unknown][]): void {
  if (entries.every(hasUintKey)) return writeUintMap(out, entries as [number, unknown][]);
  const encoded = entries.map(([key, value]) => ({ key: encode(key), value }));
  encoded.sort((a, b) => compareBytes(a.key, b.key));
  writeHead(out, 5, encoded.length);
  encoded.forEach((entry, i) => {
    const previous = encoded[i - 1];
    if (previous && compareBytes(previous.key, entry.key) === 0) {
      throw new CborError("duplicate-key", "two map keys encode the same");
    }
    append(out, entry.key);
    writeItem(out, entry.value);
  });
}

const hasUintKey = ([key]: [unknown, unknown]): boolean => Number.isSafeInteger(key) && (key as number) >= 0;

/**
 * Unsigned integer keys, as every map on the wire has: their encodings sort as their values do
 * (a longer head is a larger number), so none is encoded just to be sorted. They come from a Map
 * (an object's keys are strings), which holds no key twice.
 */
function writeUintMap(out: number[], entries: [number, unknown][]): void {
  entries.sort((a, b) => a[0] - b[0]);
  writeHead(out, 5, entries.length);
  for (const [key, value] of entries) {
    writeHead(out, 0, key);
    writeItem(out, value);
  }
}

/**
 * A map whose keys are unsigned integers already in ascending order (every body the gateway
 * encodes: it fills them in key order) is written straight from the Map, without copying its
 * entries to sort them: an ack per frame made a copy, pairs and a sort's scratch each time.
 * False, with nothing written, for any other map.
 */
function writeAscendingUintMap(out: number[], map: Map<unknown, unknown>): boolean {
  let last = -1;
  for (const key of map.keys()) {
    if (typeof key !== "number" || !Number.isSafeInteger(key) || key <= last) return false;
    last = key;
  }
  writeHead(out, 5, map.size);
  map.forEach((value, key) => {
    writeHead(out, 0, key as number);
    writeItem(out, value);
  });
  return true;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length && i < b.length; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}
