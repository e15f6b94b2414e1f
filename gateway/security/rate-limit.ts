export interface PublishLimits {
  /** sustained publishes per second per client */
  ratePerSecond: number;
  /** publishes a client may send back to back before the rate applies */
  burst: number;
  /** drops within one 10 s window after which the client is disconnected; 0 never disconnects */
  disconnectAfterDrops: number;
}

/** Drops are counted in fixed windows so a client that bursts once a day is never thrown out. */
export const DROP_WINDOW_MS = 10_000;

export type Verdict = "pass" | "drop" | "disconnect";

/** A token bucket per client plus a count of recent drops. Times are monotonic milliseconds. */
export class PublishLimiter {
  private tokens: number;
  private refilledAt: number;
  private windowStart: number;
  private drops = 0;

  constructor(private readonly limits: PublishLimits, now: number) {
    this.tokens = limits.burst;
    this.refilledAt = now;
    this.windowStart = now;
  }

  admit(now: number): Verdict {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return "pass";
    }
    if (now - this.windowStart >= DROP_WINDOW_MS) {
      this.windowStart = now;
      this.drops = 0;
    }
    this.drops += 1;
    const limit = this.limits.disconnectAfterDrops;
    return limit > 0 && this.drops > limit ? "disconnect" : "drop";
  }

  private refill(now: number): void {
    const elapsedS = Math.max(0, now - this.refilledAt) / 1000;
    this.tokens = Math.min(this.limits.burst, this.tokens + elapsedS * this.limits.ratePerSecond);
    this.refilledAt = now;
  }
}
