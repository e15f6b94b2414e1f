import type { Database, Statement } from "better-sqlite3";
import { COUNTER_KEYS, counterBumper, type CounterKey } from "./counters.js";
import type { Outbox } from "./outbox.js";

const DAY_MS = 86_400_000;

/** Rows deleted per transaction: keeps each write short and the WAL small (it can't be checkpointed past an open transaction). */
const CHUNK = 5_000;

/**
 * Rows one sweep may delete per table. A sweep is synchronous, so after a long outage the backlog
 * is worked off over several sweeps instead of stalling ingest (and its acks) for seconds.
 */
export const SWEEP_BUDGET = 100_000;

/** Size retention trims to this fraction of the bound, so it does not run again on the next insert. */
const SIZE_HYSTERESIS = 0.9;

export interface Limits {
  historyMaxAgeMs: number;
  historyMaxBytes: number;
  outboxMaxRows: number;
  outboxMaxAgeMs: number;
  outboxAlarmMaxAgeMs: number;
}

export interface LimitOptions {
  history?: { maxAgeDays?: number; maxBytes?: number };
  outbox?: { maxRows?: number; maxAgeDays?: number; alarmMaxAgeDays?: number };
}

export const DEFAULT_LIMITS = {
  history: { maxAgeDays: 90, maxBytes: 1024 ** 3 },
  outbox: { maxRows: 500_000, maxAgeDays: 30, alarmMaxAgeDays: 365 },
} as const;

export function resolveLimits(o: LimitOptions): Limits {
  return {
    historyMaxAgeMs: (o.history?.maxAgeDays ?? DEFAULT_LIMITS.history.maxAgeDays) * DAY_MS,
    historyMaxBytes: o.history?.maxBytes ?? DEFAULT_LIMITS.history.maxBytes,
    outboxMaxRows: o.outbox?.maxRows ?? DEFAULT_LIMITS.outbox.maxRows,
    outboxMaxAgeMs: (o.outbox?.maxAgeDays ?? DEFAULT_LIMITS.outbox.maxAgeDays) * DAY_MS,
    outboxAlarmMaxAgeMs: (o.outbox?.alarmMaxAgeDays ?? DEFAULT_LIMITS.outbox.alarmMaxAgeDays) * DAY_MS,
  };
}

export interface SweepResult {
  historyDropped: number;
  outboxDropped: number;
  /** alarms dropped by the (much longer) alarm age limit; included in outboxDropped */
  outboxAlarmsDropped: number;
  /** alarms still queued that a plain FIFO bound would have dropped: older than the routine age limit or than a routine message dropped by the row bound since the last sweep */
  outboxAlarmsKept: number;
  /** finished commands (applied, rejected, expired) older than the history age limit, deleted */
  commandsPruned: number;
}

/** The retention sweep; see README.md in this folder for the policy. */
export class Retention {
  private readonly historyFirstKept: Statement<[number], number>;
  private readonly historyBefore: Statement<[number, number]>;
  private readonly historyOldest: Statement<[number]>;
  private readonly historySpan: Statement<[], { lo: number | null; hi: number | null }>;
  private readonly outboxOlderThan: Statement<[number, number, number]>;
  private readonly outboxAlarmsBehind: Statement<[number, number], number>;
  private readonly bump: ReturnType<typeof counterBumper>;
  private readonly commandsFinishedBefore: Statement<[number]>;
  private readonly usedBytesStmt: Statement<[], number>;
  private readonly deleteCounted: (stmt: Statement<unknown[]>, params: unknown[], counters: readonly CounterKey[]) => number;

  constructor(
    db: Database,
    private readonly limits: Limits,
    private readonly outbox: Outbox,
  ) {
    this.historyFirstKept = db.prepare<[number], number>("SELECT id FROM readings WHERE received_at >= ? ORDER BY id LIMIT 1").pluck();
    this.historyBefore = db.prepare("DELETE FROM readings WHERE id IN (SELECT id FROM readings WHERE id < ? ORDER BY id LIMIT ?)");
    this.historyOldest = db.prepare("DELETE FROM readings WHERE id IN (SELECT id FROM readings ORDER BY id LIMIT ?)");
    this.historySpan = db.prepare("SELECT min(id) AS lo, max(id) AS hi FROM readings");
    this.outboxOlderThan = db.prepare(
      "DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE alarm = ? AND created_at < ? LIMIT ?)",
    );
    this.outboxAlarmsBehind = db
      .prepare<[number, number], number>("SELECT count(*) FROM messages WHERE alarm = 1 AND (created_at < ? OR id <= ?)")
      .pluck();
    this.bump = counterBumper(db);
    this.commandsFinishedBefore = db.prepare(
      "DELETE FROM commands WHERE state IN ('applied', 'rejected', 'expired') AND updated_at < ?",
    );
    this.usedBytesStmt = db
      .prepare<[], number>(
        "SELECT (p.page_count - f.freelist_count) * s.page_size FROM pragma_page_count() p, pragma_freelist_count() f, pragma_page_size() s",
      )
      .pluck();
    // one delete and its counters in one transaction, so the counts stay exact across a crash
    this.deleteCounted = db.transaction((stmt: Statement<unknown[]>, params: unknown[], counters: readonly CounterKey[]) => {
      const { changes } = stmt.run(...params);
      for (const c of counters) this.bump(c, changes);
      return changes;
    });
  }

  sweep(now: number): SweepResult {
    const routineCutoff = now - this.limits.outboxMaxAgeMs;
    const outboxAlarmsDropped = this.outboxByAge(1, now - this.limits.outboxAlarmMaxAgeMs);
    const routineByAge = this.outboxByAge(0, routineCutoff);
    // the row bound holds at every append; here it catches a bound lowered since the last run
    const byRows = this.outbox.transaction(() => this.outbox.bound());
    // last: the size bound is measured over the whole file, so the outbox is trimmed first
    const historyDropped = this.historyByAge(now) + this.historyBySize();
    return {
      historyDropped,
      outboxDropped: outboxAlarmsDropped + routineByAge + byRows,
      outboxAlarmsDropped,
      outboxAlarmsKept: this.outboxAlarmsBehind.get(routineCutoff, this.outbox.takeLastDropped()) ?? 0,
      // a command's outcome is history too, kept as long as the readings
      commandsPruned: this.commandsFinishedBefore.run(now - this.limits.historyMaxAgeMs).changes,
    };
  }

  /** Bytes in pages that hold data: the file's size less its free pages (which SQLite reuses before growing the file). */
  usedBytes(): number {
    return this.usedBytesStmt.get() ?? 0;
  }

  /**
   * Ids follow arrival, so the readings received before the cutoff are the ones before the first
   * received after it: no index on received_at needed. After the gateway's clock stepped back, a
   * reading stamped later than its successors holds them until it ages out itself.
   */
  private historyByAge(now: number): number {
    const firstKept = this.historyFirstKept.get(now - this.limits.historyMaxAgeMs) ?? Number.MAX_SAFE_INTEGER;
    return this.repeat((n) => this.deleteCounted(this.historyBefore, [firstKept, n], [COUNTER_KEYS.historyDropped]));
  }

  /**
   * Drops the oldest readings until the used pages fit under the bound (less the hysteresis).
   * How many rows a page holds varies, so each round estimates the share of rows to drop from the
   * share of bytes over the target, deletes at most a chunk, and measures again.
   */
  private historyBySize(): number {
    let used = this.usedBytes();
    if (used <= this.limits.historyMaxBytes) return 0;
    const target = this.limits.historyMaxBytes * SIZE_HYSTERESIS;
    let dropped = 0;
    while (used > target && dropped < SWEEP_BUDGET) {
      const { lo, hi } = this.historySpan.get() ?? { lo: null, hi: null };
      if (lo === null || hi === null) break;
      const estimate = Math.ceil(((hi - lo + 1) * (used - target)) / used);
      const n = Math.min(Math.max(estimate, 1), CHUNK, SWEEP_BUDGET - dropped);
      dropped += this.deleteCounted(this.historyOldest, [n], [COUNTER_KEYS.historyDropped]);
      used = this.usedBytes();
    }
    return dropped;
  }

  private outboxByAge(alarm: 0 | 1, cutoff: number): number {
    const counters = alarm
      ? [COUNTER_KEYS.outboxDropped, COUNTER_KEYS.outboxAlarmsDropped]
      : [COUNTER_KEYS.outboxDropped];
    return this.repeat((n) => this.deleteCounted(this.outboxOlderThan, [alarm, cutoff, n], counters));
  }

  /** Runs a chunked delete until a chunk comes back short or the sweep's budget is spent. */
  private repeat(deleteChunk: (limit: number) => number): number {
    let total = 0;
    for (;;) {
      const limit = Math.min(CHUNK, SWEEP_BUDGET - total);
      if (limit <= 0) return total;
      const n = deleteChunk(limit);
      total += n;
      if (n < limit) return total;
    }
  }
}
