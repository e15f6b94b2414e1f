export interface LoginBackoffOptions {
  /** failed logins in a row, per username and per address, answered at once (typos); the wait starts after the last of them */
  freeFailures: number;
  /** the wait after the first failure beyond the free ones; it doubles with each further failure */
  baseMs: number;
  /** the longest wait */
  maxMs: number;
}

interface Failures {
  count: number;
  lastAt: number;
  blockedUntil: number;
}

/** Keys remembered at most, so a spray from many addresses or names cannot grow memory without bound. */
const MAX_KEYS = 10_000;

/**
 * Exponential back-off of failed logins, kept per key (a username, an address). While a key waits,
 * its logins are refused before any password check. Times are monotonic milliseconds.
 */
export class LoginBackoff {
  private readonly keys = new Map<string, Failures>();

  constructor(private readonly options: LoginBackoffOptions) {}

  /** Milliseconds the key must still wait, 0 when it may try now. */
  waitMs(key: string, now: number): number {
    const entry = this.current(key, now);
    return entry ? Math.max(0, entry.blockedUntil - now) : 0;
  }

  failed(key: string, now: number): void {
    const entry = this.current(key, now) ?? { count: 0, lastAt: now, blockedUntil: 0 };
    entry.count += 1;
    entry.lastAt = now;
    const beyond = entry.count - this.options.freeFailures;
    if (beyond >= 0) entry.blockedUntil = now + Math.min(this.options.maxMs, this.options.baseMs * 2 ** beyond);
    // re-inserted, so the map's order is least recently failed first
    this.keys.delete(key);
    this.keys.set(key, entry);
    if (this.keys.size > MAX_KEYS) this.keys.delete(this.keys.keys().next().value!);
  }

  succeeded(key: string): void {
    this.keys.delete(key);
  }

  /** A key quiet for ten times the longest wait starts afresh. */
  private current(key: string, now: number): Failures | undefined {
    const entry = this.keys.get(key);
    if (entry && now - entry.lastAt > 10 * this.options.maxMs) {
      this.keys.delete(key);
      return undefined;
    }
    return entry;
  }
}
