import type { Database, Statement } from "better-sqlite3";
import { COUNTER_KEYS, counterBumper } from "./counters.js";
import type { Labels } from "./labels.js";
import type { PayloadCodec } from "./payload-codec.js";

/** One message offered upstream, in the order it must go. */
export interface OutboxItem {
  id: number;
  topic: string;
  payload: string;
  alarm: boolean;
  createdAt: number;
}

/** A message that is not a reading (a command result, a health alarm or status), with its own payload. */
export type OutboxEntry = Omit<OutboxItem, "id">;

/** A sender's cursor moved to `position` (written with a commit: see `Store.commit`). */
export interface CursorMove {
  consumer: string;
  position: number;
}

/** One upstream sender's own durable place in the outbox. */
export interface OutboxCursor {
  /** up to `limit` messages with an id above `after`, in id order */
  read(after: number, limit: number): OutboxItem[];
  /** every message up to `id` is settled (delivered, or refused for good); kept across restarts */
  commit(id: number): void;
  /** the committed position, read at start */
  position(): number;
}

export interface OutboxDepth {
  rows: number;
  alarms: number;
  oldestMs: number | null;
}

interface MessageRow {
  id: number;
  /** a message's own topic, or null for a reading's (then `topic_id` names it) */
  topic: string | null;
  topic_id: number | null;
  /** its own text, or a reading's packed payload (payload-codec.ts) */
  payload: string | Buffer;
  alarm: number;
  created_at: number;
}

/**
 * The outbox: one append-only log (`messages`) of everything offered upstream, read by each
 * upstream sender through its own cursor (`outbox_cursors`). A reading's message refers to its
 * history row instead of copying the payload; other messages carry their own. A message leaves
 * once every sender's cursor has passed it. `maxRows` bounds how far the slowest sender (or, with
 * none, the log itself) may lag, and holds at every append: routine messages go oldest first,
 * counted; alarms never go for the row bound (see README.md).
 */
export class Outbox {
  private readonly s: ReturnType<typeof prepare>;
  private readonly bump: ReturnType<typeof counterBumper>;
  private readonly commitTx: (consumer: string, id: number) => void;

  constructor(
    private readonly db: Database,
    private readonly maxRows: number,
    private readonly labels: Labels,
    private readonly codec: PayloadCodec,
  ) {
    this.s = prepare(db);
    this.bump = counterBumper(db);
    this.commitTx = db.transaction((consumer: string, id: number) => {
      this.s.cursorSet.run(consumer, id);
      this.trimConsumed();
    });
  }

  /** Appends messages that are not readings, in order; one transaction with the bound. */
  append(entries: readonly OutboxEntry[]): number[] {
    return this.transaction(() => {
      const ids = entries.map((e) => Number(this.s.insertOwn.run(e.topic, e.payload, e.alarm ? 1 : 0, e.createdAt).lastInsertRowid));
      this.bound();
      return ids;
    });
  }

  /** Appends a reading's message, inside the caller's transaction (the reading's commit); call `bound()` after the batch. */
  appendReading(readingId: number, alarm: boolean, createdAt: number): void {
    this.s.insertReading.run(readingId, alarm ? 1 : 0, createdAt);
  }

  /**
   * Drops routine messages, oldest first and counted, until the log holds at most `maxRows`
   * (alarms alone may exceed it). Runs inside the caller's transaction.
   */
  bound(): number {
    // the count in the file includes what the other connection (the commit thread's, the event loop's) did
    const excess = (this.s.rows.get() ?? 0) - this.maxRows;
    if (excess <= 0) return 0;
    const ids = this.s.routineDropOldest.all(excess);
    if (ids.length === 0) return 0;
    // in the file, as the sweep that reports it may run on another connection
    this.s.lastDroppedRaise.run(ids.reduce((a, b) => Math.max(a, b)));
    this.bump(COUNTER_KEYS.outboxDropped, ids.length);
    return ids.length;
  }

  /** Names the senders that read the outbox: a new one starts at the oldest message held, one no longer named stops holding messages back. */
  consumers(names: readonly string[]): { added: string[]; removed: string[] } {
    return this.transaction(() => {
      const known = new Set(this.s.cursorNames.all());
      const added = names.filter((n) => !known.has(n));
      const removed = [...known].filter((n) => !names.includes(n));
      for (const name of added) this.s.cursorSet.run(name, 0);
      for (const name of removed) this.s.cursorDelete.run(name);
      this.trimConsumed();
      return { added, removed };
    });
  }

  /** Moves senders' cursors (never back) and removes what every sender has passed, inside the caller's transaction. */
  moveCursors(moves: readonly CursorMove[]): void {
    for (const m of moves) this.s.cursorSet.run(m.consumer, m.position);
    if (moves.length > 0) this.trimConsumed();
  }

  cursor(consumer: string): OutboxCursor {
    return {
      read: (after, limit) => this.read(after, limit),
      commit: (id) => this.commitTx(consumer, id),
      position: () => this.s.cursorGet.get(consumer) ?? 0,
    };
  }

  /** Messages after `after`, oldest first, each with its payload (a reading's from its history row). */
  read(after: number, limit: number): OutboxItem[] {
    return this.s.read.all(after, limit).map((r) => ({
      id: r.id,
      topic: r.topic ?? this.labels.text(r.topic_id!),
      payload: this.codec.decode(r.payload),
      alarm: r.alarm === 1,
      createdAt: r.created_at,
    }));
  }

  /** How many messages a sender has still to send: all held less those it has passed (none for the slowest, whose passed messages are gone). */
  lag(consumer: string): number {
    return this.s.lag.get(this.s.cursorGet.get(consumer) ?? 0) ?? 0;
  }

  depth(): OutboxDepth {
    const d = this.s.depth.get();
    return { rows: d?.rows ?? 0, alarms: d?.alarms ?? 0, oldestMs: d?.oldest ?? null };
  }

  /** The highest routine id the row bound dropped (on any connection) since the last call, or 0. */
  takeLastDropped(): number {
    return this.s.lastDroppedTake.get() ?? 0;
  }

  /**
   * Runs `work` in a transaction, or in the caller's when one is open. IMMEDIATE: it takes the
   * write lock first (waiting for the other connection's commit), as one that read first could
   * not write after the other connection committed.
   */
  transaction<T>(work: () => T): T {
    return this.db.inTransaction ? work() : this.db.transaction(work).immediate();
  }

  /** Messages every sender has passed are gone from the log (their readings stay in the history). */
  private trimConsumed(): void {
    const slowest = this.s.cursorMin.get();
    if (slowest === null || slowest === undefined) return;
    this.s.deleteUpTo.run(slowest);
  }
}

/** The `meta` row the triggers keep at the number of messages held. */
const ROWS_KEY = "outbox_rows";

function prepare(db: Database) {
  return {
    insertOwn: db.prepare<[string, string, number, number]>("INSERT INTO messages (topic, payload, alarm, created_at) VALUES (?, ?, ?, ?)"),
    insertReading: db.prepare<[number, number, number]>("INSERT INTO messages (reading_id, alarm, created_at) VALUES (?, ?, ?)"),
    read: db.prepare<[number, number], MessageRow>(
      `SELECT m.id, m.topic, r.topic_id, coalesce(m.payload, r.payload) AS payload, m.alarm, m.created_at
       FROM messages m LEFT JOIN readings r ON r.id = m.reading_id
       WHERE m.id > ? ORDER BY m.id LIMIT ?`,
    ),
    // kept by triggers (migrations.ts, v7): counting the log took 10-15 ms at 500,000 held
    rows: db.prepare<[], number>(`SELECT value FROM meta WHERE key = '${ROWS_KEY}'`).pluck(),
    // what a sender has passed and the slowest has not: nothing to walk for the slowest sender
    lag: db.prepare<[number], number>(
      `SELECT (SELECT value FROM meta WHERE key = '${ROWS_KEY}') - (SELECT count(*) FROM messages WHERE id <= ?)`,
    ).pluck(),
    // oldest by created_at, the order of the (alarm, created_at) index: by id, SQLite would sort every routine message held at each commit over the bound
    routineDropOldest: db.prepare<[number], number>(
      "DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE alarm = 0 ORDER BY created_at, id LIMIT ?) RETURNING id",
    ).pluck(),
    deleteUpTo: db.prepare<[number]>("DELETE FROM messages WHERE id <= ?"),
    depth: db.prepare<[], { rows: number; alarms: number; oldest: number | null }>(
      `SELECT (SELECT value FROM meta WHERE key = '${ROWS_KEY}') AS rows,
              (SELECT count(*) FROM messages WHERE alarm = 1) AS alarms,
              (SELECT created_at FROM messages ORDER BY id LIMIT 1) AS oldest`,
    ),
    cursorGet: db.prepare<[string], number>("SELECT position FROM outbox_cursors WHERE consumer = ?").pluck(),
    cursorSet: db.prepare<[string, number]>(
      "INSERT INTO outbox_cursors (consumer, position) VALUES (?, ?) ON CONFLICT (consumer) DO UPDATE SET position = max(position, excluded.position)",
    ),
    cursorDelete: db.prepare<[string]>("DELETE FROM outbox_cursors WHERE consumer = ?"),
    cursorNames: db.prepare<[], string>("SELECT consumer FROM outbox_cursors").pluck(),
    lastDroppedRaise: db.prepare<[number]>(
      "INSERT INTO meta (key, value) VALUES ('outbox_last_dropped', ?) ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)",
    ),
    lastDroppedTake: db.prepare<[], number>("DELETE FROM meta WHERE key = 'outbox_last_dropped' RETURNING value").pluck(),
    cursorMin: db.prepare<[], number | null>("SELECT min(position) FROM outbox_cursors").pluck(),
  };
}
