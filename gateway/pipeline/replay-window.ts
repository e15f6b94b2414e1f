import type { ReplayWindowRow } from "../store/store.js";

/**
 * Anti-replay window over (boot, seq) per device, in the style of IPsec's sliding window:
 * frames may arrive out of order (a resend after a lost ack, two LoRa paths), so any seq within
 * the last WINDOW of the highest seen is accepted once. A higher boot starts a fresh window,
 * so a reboot is never mistaken for a replay.
 */
export const WINDOW = 1024;

interface DeviceWindow {
  boot: number;
  top: number;
  seen: Uint8Array;
}

export type ReplayVerdict = "fresh" | "replay" | "stale-boot" | "too-old";

export class ReplayWindows {
  private readonly windows = new Map<number, DeviceWindow>();

  /** Checks without recording, so a frame that later fails is not burned. */
  check(deviceId: number, boot: number, seq: number): ReplayVerdict {
    const w = this.windows.get(deviceId);
    if (!w || boot > w.boot) return "fresh";
    if (boot < w.boot) return "stale-boot";
    if (seq > w.top) return "fresh";
    if (w.top - seq >= WINDOW) return "too-old";
    return bit(w.seen, seq) ? "replay" : "fresh";
  }

  record(deviceId: number, boot: number, seq: number): void {
    let w = this.windows.get(deviceId);
    if (!w || boot > w.boot) {
      w = { boot, top: seq, seen: new Uint8Array(WINDOW / 8) };
      this.windows.set(deviceId, w);
    } else if (seq > w.top) {
      for (let s = Math.max(w.top + 1, seq - WINDOW + 1); s <= seq; s++) setBit(w.seen, s, false);
      w.top = seq;
    }
    setBit(w.seen, seq, true);
  }

  /**
   * The windows of the devices these frames come from, as they will be once the frames are
   * recorded: what a commit persists with them, and `load`s here once it is durable. Until then
   * this set is unchanged, so a frame of a commit still running (or failed) is not yet a replay.
   */
  withRecorded(frames: Iterable<{ deviceId: number; boot: number; seq: number }>): ReplayWindowRow[] {
    const next = new ReplayWindows();
    for (const { deviceId, boot, seq } of frames) {
      if (!next.windows.has(deviceId)) {
        const now = this.windows.get(deviceId);
        if (now) next.windows.set(deviceId, { ...now, seen: now.seen.slice() });
      }
      next.record(deviceId, boot, seq);
    }
    return [...next.windows.keys()].map((id) => next.row(id)!);
  }

  /** Snapshot of one device's window, for the store. */
  row(deviceId: number): ReplayWindowRow | undefined {
    const w = this.windows.get(deviceId);
    return w && { deviceId, boot: w.boot, top: w.top, seen: w.seen.slice() };
  }

  /** Restores windows persisted by the store, so a restarted gateway still refuses replays. */
  load(rows: Iterable<ReplayWindowRow>): void {
    for (const r of rows) {
      const seen = new Uint8Array(WINDOW / 8);
      seen.set(r.seen.subarray(0, seen.length));
      this.windows.set(r.deviceId, { boot: r.boot, top: r.top, seen });
    }
  }

  forget(deviceId: number): void {
    this.windows.delete(deviceId);
  }
}

function bit(bits: Uint8Array, seq: number): boolean {
  const i = seq % WINDOW;
  return ((bits[i >> 3] ?? 0) & (1 << (i & 7))) !== 0;
}

function setBit(bits: Uint8Array, seq: number, on: boolean): void {
  const i = seq % WINDOW;
  const mask = 1 << (i & 7);
  bits[i >> 3] = on ? (bits[i >> 3] ?? 0) | mask : (bits[i >> 3] ?? 0) & ~mask;
}
