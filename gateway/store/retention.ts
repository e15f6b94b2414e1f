import type { Database, Statement } from "better-sqlite3";

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
  /** alarms still queued that a plain FIFO bound would have dropped: older than the routine age limit or than a routine row dropped by the row bound */
  outboxAlarmsKept: number;
  /** finished commands (applied, rejected, expired) older than the history age limit, deleted */
  commandsPruned: number;
}

export const COUNTER_KEYS = {
  historyDropped: "history_dropped",
  outboxDropped: "outbox_dropped",
  outboxAlarmsDropped: "outbox_alarms_dropped",
} as const;

/** The retention sweep; see README.md in this folder for the policy. */
export class Retention {
  private readonly historyOlderThan: Statement<[number, number]>;
  private readonly historyOldest: Statement<[number]>;
  private readonly historySpan: Statement<[], { lo: number | null; hi: number | null }>;
  private readonly outboxOlderThan: Statement<[number, number, number]>;
  private readonly outboxCount: Statement<[], number>;
  private readonly outboxRoutineIds: Statement<[number], number>;
  private readonly outboxRoutineUpTo: Statement<[number]>;
  private readonly outboxAlarmsBehind: Statement<[number, number], number>;
  private readonly bump: Statement<[string, number]>;
  private readonly commandsFinishedBefore: Statement<[number]>;
  private readonly usedBytesStmt: Statement<[], number>;
  private readonly deleteCounted: (stmt: Statement<unknown[]>, params: unknown[], counters: readonly string[]) => number;

  constructor(
    db: Database,
    private readonly limits: Limits,
  ) {
    this.historyOlderThan = db.prepare(
      "DELETE FROM readings WHERE id IN (SELECT id FROM readings WHERE received_at < ? ORDER BY received_at LIMIT ?)",
    );
    this.historyOldest = db.prepare("DELETE FROM readings WHERE id IN (SELECT id FROM readings ORDER BY id LIMIT ?)");
    this.historySpan = db.prepare("SELECT min(id) AS lo, max(id) AS hi FROM readings");
    this.outboxOlderThan = db.prepare(
      "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE alarm = ? AND created_at < ? LIMIT ?)",
    );
    this.outboxCount = db.prepare<[], number>("SELECT count(*) FROM outbox").pluck();
    this.outboxRoutineIds = db.prepare<[number], number>("SELECT id FROM outbox WHERE alarm = 0 ORDER BY id LIMIT ?").pluck();
    this.outboxRoutineUpTo = db.prepare("DELETE FROM outbox WHERE alarm = 0 AND id <= ?");
    this.outboxAlarmsBehind = db
      .prepare<[number, number], number>("SELECT count(*) FROM outbox WHERE alarm = 1 AND (created_at < ? OR id <= ?)")
      .pluck();
    this.bump = db.prepare(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = value + excluded.value",
    );
    this.commandsFinishedBefore = db.prepare(
      "DELETE FROM commands WHERE state IN ('applied', 'rejected', 'expired') AND updated_at < ?",
    );
    this.usedBytesStmt = db
      .prepare<[], number>(
        "SELECT (p.page_count - f.freelist_count) * s.page_size FROM pragma_page_count() p, pragma_freelist_count() f, pragma_page_size() s",
      )
      .pluck();
    // one delete and its counters in one transaction, so the counts stay exact across a crash
    this.deleteCounted = db.transaction((stmt: Statement<unknown[]>, params: unknown[], counters: readonly string[]) => {
      const { changes } = stmt.run(...params);
      if (changes > 0) for (const c of counters) this.bump.run(c, changes);
      return changes;
    });
  }

  sweep(now: number): SweepResult {
    const routineCutoff = now - this.limits.outboxMaxAgeMs;
    const outboxAlarmsDropped = this.outboxByAge(1, now - this.limits.outboxAlarmMaxAgeMs);
    const routineByAge = this.outboxByAge(0, routineCutoff);
    const byRows = this.outboxByRows();
    // last: the size bound is measured over the whole file, so the outbox is trimmed first
    const historyDropped = this.historyByAge(now) + this.historyBySize();
    return {
      historyDropped,
      outboxDropped: outboxAlarmsDropped + routineByAge + byRows.dropped,
      outboxAlarmsDropped,
      outboxAlarmsKept: this.outboxAlarmsBehind.get(routineCutoff, byRows.lastId) ?? 0,
      // a command's outcome is history too, kept as long as the readings
      commandsPruned: this.commandsFinishedBefore.run(now - this.limits.historyMaxAgeMs).changes,
    };
  }

  /** Bytes in pages that hold data: the file's size less its free pages (which SQLite reuses before growing the file). */
  usedBytes(): number {
    return this.usedBytesStmt.get() ?? 0;
  }

  private historyByAge(now: number): number {
    const cutoff = now - this.limits.historyMaxAgeMs;
    return this.repeat((n) => this.deleteCounted(this.historyOlderThan, [cutoff, n], [COUNTER_KEYS.historyDropped]));
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

  /** Routine items only, oldest first: alarms are never dropped to make room. */
  private outboxByRows(): { dropped: number; lastId: number } {
    let dropped = 0;
    let lastId = 0;
    for (;;) {
      const excess = (this.outboxCount.get() ?? 0) - this.limits.outboxMaxRows;
      const n = Math.min(excess, CHUNK, SWEEP_BUDGET - dropped);
      if (n <= 0) break;
      const ids = this.outboxRoutineIds.all(n);
      const last = ids[ids.length - 1];
      if (last === undefined) break;
      lastId = last;
      dropped += this.deleteCounted(this.outboxRoutineUpTo, [last], [COUNTER_KEYS.outboxDropped]);
    }
    return { dropped, lastId };
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
