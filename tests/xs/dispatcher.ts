// The wire between the Node test harness and code bundled for the XS engine (xsnap worker).
// The value codec is used on both sides; installDispatcher runs only inside XS.
//
// Messages are JSON kept to pure ASCII (non-ASCII escaped as \uXXXX), so bytes are char codes
// on both sides and neither side needs a UTF-8 codec. Values JSON cannot carry faithfully
// cross as single-key tagged objects: {"$bytes":"hex"} for Uint8Array, {"$map":[[k,v],...]}
// for Map, {"$bigint":"123"}, {"$num":"NaN"|"Infinity"|"-Infinity"|"-0"}, {"$undefined":1}.
// So a plain object whose only key is one of these tags cannot cross as itself.

/** Call an export, or run a full garbage collection (so the meter shows the live heap). */
export type XsRequest = { fn: string; args: unknown[] } | { gc: true };

export type XsReply =
  | { ok: true; value: unknown }
  | { ok: false; error: { name: string; message: string; stack: string } };

const HEX = "0123456789abcdef";

function bytesToHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += HEX[b >> 4]! + HEX[b & 15]!;
  return out;
}

function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || /[^0-9a-f]/i.test(hex)) throw new TypeError(`bad $bytes hex: ${hex}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function tagNumber(n: number): unknown {
  if (Number.isNaN(n)) return { $num: "NaN" };
  if (n === Infinity) return { $num: "Infinity" };
  if (n === -Infinity) return { $num: "-Infinity" };
  if (Object.is(n, -0)) return { $num: "-0" };
  return n;
}

// JSON.stringify replacer: called on every value, and again on what it returns.
function tagValue(this: unknown, _key: string, value: unknown): unknown {
  if (value === undefined) return { $undefined: 1 };
  if (typeof value === "number") return tagNumber(value);
  if (typeof value === "bigint") return { $bigint: value.toString() };
  if (value instanceof Uint8Array) return { $bytes: bytesToHex(value) };
  if (value instanceof Map) return { $map: [...value.entries()] };
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    throw new TypeError("only Uint8Array can cross the XS harness, not other binary views");
  }
  return value;
}

function untagged(tag: string, payload: unknown): unknown {
  switch (tag) {
    case "$bytes":
      return hexToBytes(String(payload));
    case "$map":
      return new Map(untag(payload) as [unknown, unknown][]);
    case "$bigint":
      return BigInt(String(payload));
    case "$num":
      return payload === "-0" ? -0 : Number(payload);
    case "$undefined":
      return undefined;
    default:
      return { [tag]: untag(payload) };
  }
}

// A walk after JSON.parse rather than a reviver: a reviver returning undefined deletes the slot.
function untag(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(untag);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value);
  if (entries.length === 1) return untagged(...entries[0]!);
  return Object.fromEntries(entries.map(([key, item]) => [key, untag(item)]));
}

function escapeNonAscii(json: string): string {
  return json.replace(/[\u007f-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
}

/** Value -> ASCII JSON bytes. */
export function encodeWire(value: unknown): Uint8Array {
  const text = escapeNonAscii(JSON.stringify(value, tagValue));
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** ASCII JSON bytes -> value. */
export function decodeWire(bytes: Uint8Array): unknown {
  let text = "";
  // String.fromCharCode takes one argument per byte, and XS's stack is small
  const chunk = 256;
  for (let i = 0; i < bytes.length; i += chunk) text += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return untag(JSON.parse(text));
}

function describeError(e: unknown): { name: string; message: string; stack: string } {
  if (e instanceof Error) return { name: e.name, message: e.message, stack: String(e.stack ?? "") };
  return { name: "thrown value", message: String(e), stack: "" };
}

function dispatch(entry: Record<string, unknown>, request: XsRequest): unknown {
  if ("gc" in request) return void (globalThis as unknown as { gc(): void }).gc();
  const fn = entry[request.fn];
  if (typeof fn !== "function") throw new TypeError(`the entry module has no exported function "${request.fn}"`);
  const value: unknown = fn(...request.args);
  if (typeof (value as { then?: unknown } | null)?.then === "function") {
    throw new TypeError(`"${request.fn}" returned a promise; the XS harness only calls synchronous exports`);
  }
  return value;
}

/**
 * Inside XS: answer xsnap commands by calling the entry's exports. xsnap calls the global
 * `handleCommand(ArrayBuffer)` per command and sends back the ArrayBuffer it returns.
 */
export function installDispatcher(entry: Record<string, unknown>): void {
  const handleCommand = (message: ArrayBuffer): ArrayBuffer => {
    let reply: XsReply;
    try {
      reply = { ok: true, value: dispatch(entry, decodeWire(new Uint8Array(message)) as XsRequest) };
    } catch (e) {
      reply = { ok: false, error: describeError(e) };
    }
    let bytes: Uint8Array;
    try {
      bytes = encodeWire(reply);
    } catch (e) {
      bytes = encodeWire({ ok: false, error: describeError(e) });
    }
    return bytes.buffer as ArrayBuffer;
  };
  (globalThis as { handleCommand?: unknown }).handleCommand = handleCommand;
}
