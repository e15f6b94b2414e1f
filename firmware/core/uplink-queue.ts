// The bounded store of encoded uplink frames waiting for the gateway's ack. All frames live
// back to back in one preallocated byte slab, oldest first, with their metadata in fixed typed
// arrays, so the queue's memory is fixed at boot and never grows, whatever the outage.
//
// When a new frame does not fit, the oldest routine frame goes first; alarms are kept unless
// nothing but alarms is left, and then the oldest alarm goes.

export interface FrameMeta {
  boot: number;
  seq: number;
  /** an alarm frame (a message type its role declares an alarm): evicted only when nothing else is left */
  alarm: boolean;
  /** stamped with seconds since boot, before the clock was set */
  unsynced: boolean;
}

const ALARM = 1;
const UNSYNCED = 2;
/** A LoRa packet, and so any frame, is at most 255 bytes. */
const MAX_FRAME_BYTES = 255;
/** offsets are 16-bit: 8 bytes of index per slot */
const MAX_CAPACITY = 0x10000;
export const INDEX_BYTES_PER_SLOT = 8;

export class UplinkQueue {
  private readonly slab: Uint8Array;
  private readonly offsets: Uint16Array;
  private readonly lengths: Uint8Array;
  private readonly boots: Uint16Array;
  private readonly seqs: Uint16Array;
  private readonly flags: Uint8Array;
  private count = 0;
  private used = 0;
  /** routine frames dropped to make room (or refused because only alarms were queued) */
  droppedRoutine = 0;
  droppedAlarms = 0;

  constructor(readonly capacityBytes: number, readonly maxFrames: number) {
    if (!Number.isInteger(capacityBytes) || capacityBytes < MAX_FRAME_BYTES || capacityBytes > MAX_CAPACITY) {
      throw new RangeError(`queue capacity ${capacityBytes} outside ${MAX_FRAME_BYTES}..${MAX_CAPACITY}`);
    }
    if (!Number.isInteger(maxFrames) || maxFrames < 1) throw new RangeError(`queue maxFrames ${maxFrames} must be >= 1`);
    this.slab = new Uint8Array(capacityBytes);
    this.offsets = new Uint16Array(maxFrames);
    this.lengths = new Uint8Array(maxFrames);
    this.boots = new Uint16Array(maxFrames);
    this.seqs = new Uint16Array(maxFrames);
    this.flags = new Uint8Array(maxFrames);
  }

  get length(): number {
    return this.count;
  }

  get bytes(): number {
    return this.used;
  }

  /** Adds a frame, evicting per the policy above; false if the frame itself was refused. */
  push(frame: Uint8Array, meta: FrameMeta): boolean {
    if (frame.length < 1 || frame.length > MAX_FRAME_BYTES) throw new RangeError(`frame of ${frame.length} bytes`);
    while (this.count === this.maxFrames || this.used + frame.length > this.capacityBytes) {
      if (!this.evictFor(meta.alarm)) return false;
    }
    const i = this.count++;
    this.offsets[i] = this.used;
    this.lengths[i] = frame.length;
    this.boots[i] = meta.boot;
    this.seqs[i] = meta.seq;
    this.flags[i] = (meta.alarm ? ALARM : 0) | (meta.unsynced ? UNSYNCED : 0);
    this.slab.set(frame, this.used);
    this.used += frame.length;
    return true;
  }

  /** A view of frame i (0 = oldest), valid until the queue changes. */
  frameAt(i: number): Uint8Array {
    this.check(i);
    const start = this.offsets[i]!;
    return this.slab.subarray(start, start + this.lengths[i]!);
  }

  metaAt(i: number): FrameMeta {
    this.check(i);
    const flags = this.flags[i]!;
    return { boot: this.boots[i]!, seq: this.seqs[i]!, alarm: (flags & ALARM) !== 0, unsynced: (flags & UNSYNCED) !== 0 };
  }

  indexOf(boot: number, seq: number): number {
    for (let i = 0; i < this.count; i++) if (this.seqs[i] === seq && this.boots[i] === boot) return i;
    return -1;
  }

  removeAt(i: number): void {
    this.check(i);
    const start = this.offsets[i]!;
    const length = this.lengths[i]!;
    this.slab.copyWithin(start, start + length, this.used);
    this.used -= length;
    const last = this.count - 1;
    this.moveColumns(i, i + 1, this.count);
    for (let j = i; j < last; j++) this.offsets[j] = this.offsets[j]! - length;
    this.count = last;
  }

  /**
   * Rewrites the frames stamped before the clock was set (see Uplink.restamp); a rewritten frame
   * that no longer fits is dropped and counted like an eviction.
   */
  restampUnsynced(rewrite: (frame: Uint8Array) => Uint8Array): void {
    for (let i = 0; i < this.count; ) {
      if ((this.flags[i]! & UNSYNCED) === 0) {
        i++;
        continue;
      }
      const meta = this.metaAt(i);
      const frame = rewrite(this.frameAt(i));
      this.removeAt(i);
      // Reinsert in place: the slab tail moves by the length difference.
      if (this.used + frame.length > this.capacityBytes || frame.length > MAX_FRAME_BYTES) {
        if (meta.alarm) this.droppedAlarms++;
        else this.droppedRoutine++;
        continue;
      }
      this.insertAt(i, frame, { ...meta, unsynced: false });
      i++;
    }
  }

  clear(): void {
    this.count = 0;
    this.used = 0;
  }

  private insertAt(i: number, frame: Uint8Array, meta: FrameMeta): void {
    const start = i < this.count ? this.offsets[i]! : this.used;
    this.slab.copyWithin(start + frame.length, start, this.used);
    this.slab.set(frame, start);
    this.moveColumns(i + 1, i, this.count);
    for (let j = i + 1; j <= this.count; j++) this.offsets[j] = this.offsets[j]! + frame.length;
    this.offsets[i] = start;
    this.lengths[i] = frame.length;
    this.boots[i] = meta.boot;
    this.seqs[i] = meta.seq;
    this.flags[i] = (meta.alarm ? ALARM : 0) | (meta.unsynced ? UNSYNCED : 0);
    this.used += frame.length;
    this.count++;
  }

  private moveColumns(target: number, start: number, end: number): void {
    this.offsets.copyWithin(target, start, end);
    this.lengths.copyWithin(target, start, end);
    this.boots.copyWithin(target, start, end);
    this.seqs.copyWithin(target, start, end);
    this.flags.copyWithin(target, start, end);
  }

  /** Makes room for a new frame; false when the new frame should be refused instead. */
  private evictFor(newIsAlarm: boolean): boolean {
    for (let i = 0; i < this.count; i++) {
      if ((this.flags[i]! & ALARM) === 0) {
        this.removeAt(i);
        this.droppedRoutine++;
        return true;
      }
    }
    if (!newIsAlarm || this.count === 0) {
      this.droppedRoutine++;
      return false;
    }
    this.removeAt(0);
    this.droppedAlarms++;
    return true;
  }

  private check(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) throw new RangeError(`no queued frame ${i}`);
  }
}
