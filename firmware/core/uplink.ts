// Delivery of queued frames: stop-and-wait, oldest first. The head frame is sent, and resent
// after each missed ack with a growing, jittered delay (so units do not resend in step after an
// outage), until the gateway acks it; then the next one goes at once. Frames stay queued across
// any outage, bounded by the queue's memory budget. Sending in order keeps the gateway's replay
// window simple: (boot, seq) only ever rises, except for resends it already knows.

import type { Platform, TimerHandle } from "../platform/platform.js";
import type { UplinkLink } from "./link.js";
import type { FrameMeta, UplinkQueue } from "./uplink-queue.js";

export interface UplinkOptions {
  retryMs: number;
  retryMaxMs: number;
  /** seeds the resend jitter; different per unit and boot */
  seed: number;
}

/** each resend delay is its doubling step times 1 ± this, drawn per miss */
export const RESEND_JITTER = 0.25;

type State = "idle" | "waiting" | "sending" | "awaiting-ack";

export class Uplink {
  private state: State = "idle";
  private timer: TimerHandle | undefined;
  private pumpTimer: TimerHandle | undefined;
  /** incremented whenever the frame in flight is settled, so stale callbacks do nothing */
  private attempt = 0;
  private inFlight: { boot: number; seq: number } | undefined;
  private misses = 0;
  private random: number;
  sent = 0;
  resent = 0;
  missedAcks = 0;
  acked = 0;

  constructor(
    private readonly platform: Platform,
    readonly queue: UplinkQueue,
    private readonly link: UplinkLink,
    private readonly options: UplinkOptions,
  ) {
    this.random = (options.seed >>> 0) || 1;
  }

  enqueue(frame: Uint8Array, meta: FrameMeta): boolean {
    const queued = this.queue.push(frame, meta);
    this.schedulePump();
    return queued;
  }

  /** Settles a queued frame the gateway acknowledged; false if no queued frame matches. */
  ack(boot: number, seq: number): boolean {
    const index = this.queue.indexOf(boot, seq);
    if (index < 0) return false;
    this.queue.removeAt(index);
    this.acked++;
    if (this.inFlight && this.inFlight.boot === boot && this.inFlight.seq === seq) this.settle();
    return true;
  }

  stop(): void {
    this.cancelTimer();
    if (this.pumpTimer) this.platform.clearTimer(this.pumpTimer);
    this.pumpTimer = undefined;
    this.attempt++;
    this.state = "idle";
  }

  get busy(): boolean {
    return this.state !== "idle";
  }

  private settle(): void {
    this.cancelTimer();
    this.attempt++;
    this.inFlight = undefined;
    this.misses = 0;
    this.state = "idle";
    this.schedulePump();
  }

  // Acks can arrive inside transmit() (a serial peer answering at once): pumping from a fresh
  // timer turn keeps the call stack flat however long the backlog.
  private schedulePump(): void {
    if (this.pumpTimer || this.state !== "idle") return;
    this.pumpTimer = this.platform.setTimer(() => {
      this.pumpTimer = undefined;
      this.pump();
    }, 0);
  }

  private pump(): void {
    if (this.state !== "idle" || this.queue.length === 0) return;
    const frame = this.queue.frameAt(0);
    const wait = this.link.waitMs(frame.length);
    if (wait > 0) {
      // Infinity: a frame longer than the whole budget can never go; it waits for eviction.
      this.wait(Number.isFinite(wait) ? wait : this.options.retryMaxMs);
      return;
    }
    const meta = this.queue.metaAt(0);
    const resend = this.inFlight !== undefined && this.inFlight.boot === meta.boot && this.inFlight.seq === meta.seq;
    if (resend) this.resent++;
    else this.misses = 0;
    this.inFlight = { boot: meta.boot, seq: meta.seq };
    this.sent++;
    this.state = "sending";
    const attempt = ++this.attempt;
    this.link.transmit(frame, () => {
      if (attempt !== this.attempt) return;
      this.state = "awaiting-ack";
      this.timer = this.platform.setTimer(() => this.missed(attempt), this.link.ackWaitMs);
    });
  }

  private missed(attempt: number): void {
    if (attempt !== this.attempt) return;
    this.timer = undefined;
    this.missedAcks++;
    this.misses++;
    this.wait(this.backoffMs());
  }

  private wait(ms: number): void {
    this.state = "waiting";
    this.timer = this.platform.setTimer(() => {
      this.timer = undefined;
      this.state = "idle";
      this.pump();
    }, ms);
  }

  private backoffMs(): number {
    const base = Math.min(this.options.retryMs * 2 ** Math.min(this.misses - 1, 20), this.options.retryMaxMs);
    return Math.round(base * (1 - RESEND_JITTER + 2 * RESEND_JITTER * this.nextRandom()));
  }

  /** xorshift32: deterministic in the simulator, decorrelated between units */
  private nextRandom(): number {
    let x = this.random;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.random = x >>> 0;
    return this.random / 0x100000000;
  }

  private cancelTimer(): void {
    if (this.timer) this.platform.clearTimer(this.timer);
    this.timer = undefined;
  }
}
