import { MAX_DEVICE_ID } from "../../shared/envelope.js";
import type { ReplayWindowRow } from "../store/store.js";

/**
 * Anti-replay window over (boot, seq) per device, in the style of IPsec's sliding window:
 * frames may arrive out of order (a resend after a lost ack, two LoRa paths), so any seq within
 * the last WINDOW of the highest seen is accepted once. A higher boot starts a fresh window,
 * so a reboot is never mistaken for a replay.
 */
export const WINDOW = 1024;
const BYTES = WINDOW / 8;
const FIRST_SLOTS = 64;

export type ReplayVerdict = "fresh" | "replay" | "stale-boot" | "too-old";

/**
 * Every device's window in one slab, a slot per device heard: 132 bytes a device, where an
 * object and an ArrayBuffer of its own took some 500 (32 MiB at 65,535 units). boot and seq are
 * 16 bits on the air, so a slot's boot and top fit Uint16Arrays.
 */
export class ReplayWindows {
  /** slot + 1 of each device id, 0 for a device not heard */
  private readonly slotOf = new Uint32Array(MAX_DEVICE_ID + 1);
  private used = 0;
  private boots = new Uint16Array(FIRST_SLOTS);
  private tops = new Uint16Array(FIRST_SLOTS);
  private bits = new Uint8Array(FIRST_SLOTS * BYTES);

  /** Checks without recording, so a frame that later fails is not burned. */
  check(deviceId: number, boot: number, seq: number): ReplayVerdict {
    const slot = this.slotOf[deviceId]! - 1;
    if (slot < 0 || boot > this.boots[slot]!) return "fresh";
    if (boot < this.boots[slot]!) return "stale-boot";
    const top = this.tops[slot]!;
    if (seq > top) return "fresh";
    if (top - seq >= WINDOW) return "too-old";
    return bit(this.bits, slot * BYTES, seq) ? "replay" : "fresh";
  }

  /**
   * The windows of the devices these frames come from, as they will be once the frames are
   * recorded: what a commit persists with them, and `load`s here once it is durable. Until then
   * this set is unchanged, so a frame of a commit still running (or failed) is not yet a replay.
   */
  withRecorded(frames: Iterable<{ deviceId: number; boot: number; seq: number }>): ReplayWindowRow[] {
    const next = new Map<number, ReplayWindowRow>();
    for (const { deviceId, boot, seq } of frames) {
      const now = next.get(deviceId) ?? this.row(deviceId);
      const w = now && boot <= now.boot ? now : { deviceId, boot, top: seq, seen: new Uint8Array(BYTES) };
      next.set(deviceId, recorded(w, seq));
    }
    return [...next.values()];
  }

  /** Restores windows persisted by the store, so a restarted gateway still refuses replays. */
  load(rows: Iterable<ReplayWindowRow>): void {
    for (const r of rows) {
      const slot = this.slotFor(r.deviceId);
      this.boots[slot] = r.boot;
      this.tops[slot] = r.top;
      this.bits.set(r.seen.subarray(0, BYTES), slot * BYTES);
    }
  }

  /** A copy of one device's window, or undefined for a device not heard. */
  private row(deviceId: number): ReplayWindowRow | undefined {
    const slot = this.slotOf[deviceId]! - 1;
    if (slot < 0) return undefined;
    return { deviceId, boot: this.boots[slot]!, top: this.tops[slot]!, seen: this.bits.slice(slot * BYTES, (slot + 1) * BYTES) };
  }

  private slotFor(deviceId: number): number {
    const known = this.slotOf[deviceId]!;
    if (known > 0) return known - 1;
    if (this.used === this.boots.length) this.grow();
    this.slotOf[deviceId] = ++this.used;
    return this.used - 1;
  }

  /** Doubles the slab: a fleet heard for the first time moves it log2(fleet) times. */
  private grow(): void {
    const slots = this.boots.length * 2;
    const boots = new Uint16Array(slots);
    const tops = new Uint16Array(slots);
    const bits = new Uint8Array(slots * BYTES);
    boots.set(this.boots);
    tops.set(this.tops);
    bits.set(this.bits);
    this.boots = boots;
    this.tops = tops;
    this.bits = bits;
  }
}

/** `w` with seq recorded: a higher seq slides the window, clearing the bits it passes. */
function recorded(w: ReplayWindowRow, seq: number): ReplayWindowRow {
  if (seq > w.top) {
    for (let s = Math.max(w.top + 1, seq - WINDOW + 1); s <= seq; s++) setBit(w.seen, s, false);
    w.top = seq;
  }
  setBit(w.seen, seq, true);
  return w;
}

function bit(bits: Uint8Array, at: number, seq: number): boolean {
  const i = seq % WINDOW;
  return ((bits[at + (i >> 3)] ?? 0) & (1 << (i & 7))) !== 0;
}

function setBit(bits: Uint8Array, seq: number, on: boolean): void {
  const i = seq % WINDOW;
  const mask = 1 << (i & 7);
  bits[i >> 3] = on ? (bits[i >> 3] ?? 0) | mask : (bits[i >> 3] ?? 0) & ~mask;
}
