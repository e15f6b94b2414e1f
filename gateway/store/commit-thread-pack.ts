import type { ReadingRecord, ReplayWindowRow } from "./store.js";

/**
 * A batch as it crosses to the commit thread: columns, not an array of objects. The event loop
 * cloned each reading's object and each window's own byte array field by field (about 1 us a
 * reading, batches of 20-250); numbers and bits go in two buffers whose memory is handed over,
 * and the text as one array of strings (about 0.45 us a reading). One string of all the text
 * was slower still: the clone copies a long string slowly.
 */
export interface PackedBatch {
  /** per reading: deviceId, boot, seq, observedAt, receivedAt, alarm (1 or 0); then per window: deviceId, boot, top, bytes of its bits */
  numbers: Float64Array;
  /** per reading: type, kind, topic, payload */
  text: string[];
  /** the windows' `seen` bits, one after the other */
  seen: Uint8Array;
  readings: number;
  windows: number;
}

const NUMBERS_PER_READING = 6;
const TEXT_PER_READING = 4;
const NUMBERS_PER_WINDOW = 4;

export function packBatch(batch: readonly ReadingRecord[], windows: readonly ReplayWindowRow[]): PackedBatch {
  const numbers = new Float64Array(batch.length * NUMBERS_PER_READING + windows.length * NUMBERS_PER_WINDOW);
  const text = new Array<string>(batch.length * TEXT_PER_READING);
  let n = 0;
  let t = 0;
  for (const r of batch) {
    numbers[n++] = r.deviceId;
    numbers[n++] = r.boot;
    numbers[n++] = r.seq;
    numbers[n++] = r.observedAt;
    numbers[n++] = r.receivedAt;
    numbers[n++] = r.alarm ? 1 : 0;
    text[t++] = r.type;
    text[t++] = r.kind;
    text[t++] = r.topic;
    text[t++] = r.payload;
  }
  let seenBytes = 0;
  for (const w of windows) seenBytes += w.seen.length;
  const seen = new Uint8Array(seenBytes);
  let at = 0;
  for (const w of windows) {
    numbers[n++] = w.deviceId;
    numbers[n++] = w.boot;
    numbers[n++] = w.top;
    numbers[n++] = w.seen.length;
    seen.set(w.seen, at);
    at += w.seen.length;
  }
  return { numbers, text, seen, readings: batch.length, windows: windows.length };
}

/** The buffers `postMessage` hands over rather than copies. */
export function packTransfer(packed: PackedBatch): ArrayBuffer[] {
  return [packed.numbers.buffer as ArrayBuffer, packed.seen.buffer as ArrayBuffer];
}

export function unpackBatch(packed: PackedBatch): { batch: ReadingRecord[]; windows: ReplayWindowRow[] } {
  const { numbers, text, seen } = packed;
  const batch: ReadingRecord[] = [];
  let n = 0;
  let t = 0;
  for (let i = 0; i < packed.readings; i++, n += NUMBERS_PER_READING, t += TEXT_PER_READING) {
    batch.push({
      deviceId: numbers[n]!,
      boot: numbers[n + 1]!,
      seq: numbers[n + 2]!,
      observedAt: numbers[n + 3]!,
      receivedAt: numbers[n + 4]!,
      alarm: numbers[n + 5] === 1,
      type: text[t]!,
      kind: text[t + 1]!,
      topic: text[t + 2]!,
      payload: text[t + 3]!,
    });
  }
  const windows: ReplayWindowRow[] = [];
  let from = 0;
  for (let i = 0; i < packed.windows; i++, n += NUMBERS_PER_WINDOW) {
    const bits = seen.subarray(from, (from += numbers[n + 3]!));
    windows.push({ deviceId: numbers[n]!, boot: numbers[n + 1]!, top: numbers[n + 2]!, seen: bits });
  }
  return { batch, windows };
}
