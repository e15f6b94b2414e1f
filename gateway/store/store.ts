import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database, { type Database as Db, type Statement } from "better-sqlite3";
import { COUNTER_KEYS } from "./counters.js";
import { Labels } from "./labels.js";
import { migrate } from "./migrations.js";
import { Outbox, type CursorMove, type OutboxCursor, type OutboxDepth, type OutboxEntry, type OutboxItem } from "./outbox.js";
import { PayloadCodec } from "./payload-codec.js";
import { resolveLimits, Retention, type LimitOptions, type SweepResult } from "./retention.js";
import { SessionTable } from "./sessions.js";

export type { CursorMove, OutboxCursor, OutboxDepth, OutboxEntry, OutboxItem } from "./outbox.js";

/** One accepted, normalized reading as the pipeline hands it over. */
export interface ReadingRecord {
  deviceId: number;
  boot: number;
  seq: number;
  /** wire message type name */
  type: string;
  /** an output kind: a role's own (gateway/roles/) or alarm | status */
  kind: string;
  topic: string;
  /** normalized JSON */
  payload: string;
  observedAt: number;
  receivedAt: number;
  alarm: boolean;
}

export interface StoredReading extends ReadingRecord {
  id: number;
}

/** A device's replay window as ReplayWindows keeps it in memory. */
export interface ReplayWindowRow {
  deviceId: number;
  boot: number;
  top: number;
  seen: Uint8Array;
}

/** Where a unit was last heard (its link, as JSON its owner understands), kept across restarts. */
export interface LastHeard {
  deviceId: number;
  origin: string;
  at: number;
}

export interface CommitResult {
  /** per reading, in batch order: false = (device, boot, seq) already stored */
  inserted: boolean[];
}

export type CommandState = "queued" | "delivered" | "applied" | "rejected" | "expired";

export interface StoredCommand {
  id: number;
  deviceId: number;
  /** the validated command as JSON */
  command: string;
  state: CommandState;
  detail: string | null;
  createdAt: number;
  expiresAt: number;
  updatedAt: number;
}

export interface HistoryQuery {
  deviceId?: number;
  kind?: string;
  /** observedAt bounds in ms, both inclusive */
  from?: number;
  to?: number;
  /** default 1000, clamped to 1..10000 */
  limit?: number;
  /** by observedAt; default "asc" */
  order?: "asc" | "desc";
}

export type Synchronous = "full" | "normal";

/** For /healthz (a type, so it fits its open shape): a store whose last commit failed is unhealthy until one succeeds again. */
export type StoreHealth = {
  ok: boolean;
  usedBytes: number;
  /** while commits fail: the last error, since when, and how many have failed */
  commitError?: string;
  failingSince?: string;
  failedCommits?: number;
};

export interface StoreOptions extends LimitOptions {
  file: string;
  /** default "full": an ack must survive a power cut, see README.md */
  synchronous?: Synchronous;
}

export const HISTORY_LIMIT = { default: 1000, max: 10_000 } as const;

/** Non-final states: a delivered command is offered again until the device answers, as the firmware applies commands idempotently. */
const OPEN_STATES = "('queued', 'delivered')";

/** The WAL file is truncated back to this after a checkpoint, so one burst doesn't keep its disk space forever. */
const WAL_SIZE_LIMIT = 64 * 1024 * 1024;

interface ReadingRow {
  id: number;
  device_id: number;
  boot: number;
  seq: number;
  type_id: number;
  kind_id: number;
  topic_id: number;
  payload: Buffer;
  observed_at: number;
  received_at: number;
  alarm: number;
}

interface WindowRow {
  device_id: number;
  boot: number;
  top: number;
  seen: Buffer;
}

interface CommandRow {
  id: number;
  device_id: number;
  command: string;
  state: CommandState;
  detail: string | null;
  created_at: number;
  expires_at: number;
  updated_at: number;
}

/**
 * The gateway's durable store: one SQLite file in WAL mode. Every method is synchronous (as
 * better-sqlite3 is) and every write is one transaction, committed when the method returns.
 */
export class Store {
  private readonly outbox: Outbox;
  private readonly retention: Retention;
  private readonly labels: Labels;
  private readonly codec: PayloadCodec;
  private readonly historyStatements = new Map<string, Statement<[HistoryParams], ReadingRow>>();
  private readonly s: ReturnType<typeof prepare>;
  /** the page's login sessions */
  readonly sessions: SessionTable;
  private readonly commitTx: (batch: ReadingRecord[], windows: ReplayWindowRow[], heard: LastHeard[], cursors: CursorMove[]) => CommitResult;
  private readonly expireTx: (now: number) => StoredCommand[];
  private failing: { error: string; since: number; commits: number } | undefined;

  private constructor(private readonly db: Db, opts: StoreOptions) {
    this.s = prepare(db);
    this.sessions = new SessionTable(db);
    this.labels = new Labels(db);
    this.codec = new PayloadCodec(db);
    const limits = resolveLimits(opts);
    this.outbox = new Outbox(db, limits.outboxMaxRows, this.labels, this.codec);
    this.retention = new Retention(db, limits, this.outbox);
    this.commitTx = (batch, windows, heard, cursors) => this.outbox.transaction(() => {
      const inserted = batch.map((r) => this.insertReading(r));
      for (const w of windows) this.upsertWindow(w);
      for (const h of heard) this.setLastHeard(h.deviceId, h.origin, h.at);
      this.outbox.moveCursors(cursors);
      // the outbox bound holds at every commit, not only at the next sweep
      this.outbox.bound();
      return { inserted };
    });
    this.expireTx = db.transaction((now: number) =>
      this.s.commandsExpire.all(now, now).map(toCommand).sort((a, b) => a.id - b.id),
    );
  }

  /** Creates the folder and the file if needed, sets WAL and the sync level, and migrates the schema. */
  static open(opts: StoreOptions): Store {
    mkdirSync(dirname(opts.file), { recursive: true });
    const db = new Database(opts.file);
    try {
      const mode = db.pragma("journal_mode = WAL", { simple: true });
      if (mode !== "wal") throw new Error(`${opts.file}: SQLite refused WAL mode (got ${String(mode)})`);
      const sync = opts.synchronous ?? "full";
      // SQLite ignores an unknown value silently, which would quietly weaken durability
      if (sync !== "full" && sync !== "normal") throw new Error(`store synchronous must be "full" or "normal", not ${String(sync)}`);
      db.pragma(`synchronous = ${sync.toUpperCase()}`);
      db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
      // another connection (a reader, a backup) may hold the lock briefly: wait rather than fail
      db.pragma("busy_timeout = 5000");
      migrate(db);
      return new Store(db, opts);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /**
   * One transaction: stores the readings (a (device, boot, seq) already stored is skipped and
   * reported false), offers each new one upstream (a message in the outbox that refers to it, the
   * outbox bound applied), and saves the replay windows given, where units were last heard and
   * where upstream senders' cursors moved. Acknowledge the frames to the devices only after this
   * returns.
   */
  commit(batch: ReadingRecord[], windows: ReplayWindowRow[] = [], heard: LastHeard[] = [], cursors: CursorMove[] = []): CommitResult {
    try {
      const result = this.commitTx(batch, windows, heard, cursors);
      this.labels.commit();
      this.codec.commit();
      this.noteCommit();
      return result;
    } catch (err) {
      this.labels.rollback();
      this.codec.rollback();
      this.noteCommit(err);
      throw err;
    }
  }

  /** A commit's outcome (an error when it failed), for `health()`; also one made on another connection, the commit thread's. */
  noteCommit(err?: unknown): void {
    if (err === undefined) {
      this.failing = undefined;
      return;
    }
    const error = `${(err as { code?: string }).code ?? "error"}: ${(err as Error).message}`;
    this.failing = { error, since: this.failing?.since ?? Date.now(), commits: (this.failing?.commits ?? 0) + 1 };
  }

  health(): StoreHealth {
    const usedBytes = this.usedBytes();
    if (!this.failing) return { ok: true, usedBytes };
    const { error, since, commits } = this.failing;
    return { ok: false, usedBytes, commitError: error, failingSince: new Date(since).toISOString(), failedCommits: commits };
  }

  loadReplayWindows(): ReplayWindowRow[] {
    return this.s.windowsAll.all().map((w) => ({
      deviceId: w.device_id,
      boot: w.boot,
      top: w.top,
      seen: new Uint8Array(w.seen),
    }));
  }

  history(q: HistoryQuery = {}): StoredReading[] {
    const limit = clampLimit(q.limit);
    const kindId = q.kind === undefined ? null : this.labels.find(q.kind);
    // a kind no reading ever had
    if (kindId === undefined) return [];
    const stmt = this.historyStatement(q.deviceId !== undefined, kindId !== null, q.order ?? "asc");
    return stmt
      .all({
        deviceId: q.deviceId ?? null,
        kindId,
        from: q.from ?? Number.MIN_SAFE_INTEGER,
        to: q.to ?? Number.MAX_SAFE_INTEGER,
        limit,
      })
      .map((r) => this.toReading(r));
  }

  /** Puts messages that are not readings (command results, health alarms and status) in line for upstream, in order, in one transaction within the bound. */
  outboxEnqueue(entries: readonly OutboxEntry[]): number[] {
    return this.outbox.append(entries);
  }

  /** The messages held, oldest first: what the slowest upstream sender has still to send. */
  outboxPeek(limit: number): OutboxItem[] {
    return this.outbox.read(0, limit);
  }

  /**
   * Declares the upstream senders by name: a new one starts at the oldest message held; one no
   * longer named has its position forgotten, so it stops holding messages back.
   */
  outboxConsumers(names: readonly string[]): { added: string[]; removed: string[] } {
    return this.outbox.consumers(names);
  }

  /** One sender's durable position (declare it with `outboxConsumers` first, or it holds nothing back). */
  outboxCursor(consumer: string): OutboxCursor {
    return this.outbox.cursor(consumer);
  }

  /** Messages a sender has still to send. */
  outboxLag(consumer: string): number {
    return this.outbox.lag(consumer);
  }

  outboxDepth(): OutboxDepth {
    return this.outbox.depth();
  }

  /** The retention sweep; call at start and then periodically (every minute is plenty). */
  enforceLimits(now = Date.now()): SweepResult {
    return this.retention.sweep(now);
  }

  /** Totals since the file was created, across restarts. */
  counters(): { outboxDropped: number; historyDropped: number; outboxAlarmsDropped: number } {
    const get = (key: string) => this.s.metaGet.get(key) ?? 0;
    return {
      outboxDropped: get(COUNTER_KEYS.outboxDropped),
      historyDropped: get(COUNTER_KEYS.historyDropped),
      outboxAlarmsDropped: get(COUNTER_KEYS.outboxAlarmsDropped),
    };
  }

  /** Bytes in the file's used pages: what the history size bound is measured against. */
  usedBytes(): number {
    return this.retention.usedBytes();
  }

  commandEnqueue(c: { deviceId: number; command: string; expiresAt: number; createdAt: number }): number {
    return Number(this.s.commandInsert.run(c.deviceId, c.command, c.createdAt, c.expiresAt, c.createdAt).lastInsertRowid);
  }

  /** Commands to offer the device at its next receive opportunity: open, not expired, oldest first. */
  commandsPending(deviceId: number, now: number): StoredCommand[] {
    return this.s.commandsPending.all(deviceId, now).map(toCommand);
  }

  /** How many open commands (queued or delivered, expired or not yet swept) each device has. */
  commandsOpenCounts(): Array<{ deviceId: number; open: number }> {
    return this.s.commandsOpenCounts.all().map((r) => ({ deviceId: r.device_id, open: r.open }));
  }

  /**
   * Moves an open command to a new state; `detail` (a reject reason, say) replaces the old one
   * when given. A final command (applied, rejected, expired) never changes again: returns false
   * then, so a late or repeated device answer publishes no second outcome.
   */
  commandSetState(id: number, state: CommandState, detail?: string, at = Date.now()): boolean {
    return this.s.commandSetState.run({ state, detail: detail ?? null, at, id }).changes > 0;
  }

  /** The newest command to the device carrying the command center's `ref`, while its time to live lasts. */
  commandByRef(deviceId: number, ref: string, now: number): StoredCommand | undefined {
    const row = this.s.commandByRef.get(deviceId, now, ref);
    return row && toCommand(row);
  }

  /** Where each unit was last heard (the link, as JSON its owner understands). */
  lastHeard(): Array<{ deviceId: number; origin: string }> {
    return this.s.lastHeardAll.all().map((r) => ({ deviceId: r.device_id, origin: r.origin }));
  }

  setLastHeard(deviceId: number, origin: string, at: number): void {
    this.s.lastHeardUpsert.run(deviceId, origin, at);
  }

  /** When the first open command's time is up (undefined: none is open): the expiry sweep has nothing to do before. */
  commandsNextExpiry(): number | undefined {
    return this.s.commandsNextExpiry.get() ?? undefined;
  }

  /** Marks open commands whose time is up as expired and returns them, oldest first. */
  commandsExpire(now: number): StoredCommand[] {
    return this.expireTx(now);
  }

  command(id: number): StoredCommand | undefined {
    const row = this.s.commandGet.get(id);
    return row && toCommand(row);
  }

  /** Newest first, for the query API. */
  commandList(q: { deviceId?: number; limit?: number } = {}): StoredCommand[] {
    const limit = clampLimit(q.limit);
    const rows = q.deviceId === undefined
      ? this.s.commandListAll.all(limit)
      : this.s.commandListDevice.all(q.deviceId, limit);
    return rows.map(toCommand);
  }

  close(): void {
    this.db.close();
  }

  private insertReading(r: ReadingRecord): boolean {
    if (typeof r.payload !== "string") {
      throw new TypeError(`store: reading ${r.deviceId}/${r.boot}/${r.seq} has no JSON payload (got ${r.payload === null ? "null" : typeof r.payload})`);
    }
    const typeId = this.labels.id(r.type);
    const kindId = this.labels.id(r.kind);
    const { changes, lastInsertRowid } = this.s.readingInsert.run(
      r.deviceId, r.boot, r.seq, typeId, kindId, this.labels.id(r.topic), this.codec.encode(typeId, kindId, r.payload),
      r.observedAt, r.receivedAt, r.alarm ? 1 : 0,
    );
    if (changes === 0) return false;
    this.outbox.appendReading(Number(lastInsertRowid), r.alarm, r.receivedAt);
    return true;
  }

  private toReading(r: ReadingRow): StoredReading {
    return {
      id: r.id,
      deviceId: r.device_id,
      boot: r.boot,
      seq: r.seq,
      type: this.labels.text(r.type_id),
      kind: this.labels.text(r.kind_id),
      topic: this.labels.text(r.topic_id),
      payload: this.codec.decode(r.payload),
      observedAt: r.observed_at,
      receivedAt: r.received_at,
      alarm: r.alarm === 1,
    };
  }

  private upsertWindow(w: ReplayWindowRow): void {
    const seen = Buffer.from(w.seen.buffer, w.seen.byteOffset, w.seen.byteLength);
    this.s.windowUpsert.run(w.deviceId, w.boot, w.top, seen);
  }

  /** One statement per filter shape, prepared on first use: each can then use its own index. */
  private historyStatement(byDevice: boolean, byKind: boolean, order: "asc" | "desc") {
    const key = `${byDevice}:${byKind}:${order}`;
    let stmt = this.historyStatements.get(key);
    if (!stmt) {
      const where = ["observed_at >= @from", "observed_at <= @to"];
      if (byDevice) where.push("device_id = @deviceId");
      if (byKind) where.push("kind_id = @kindId");
      const dir = order === "asc" ? "ASC" : "DESC";
      stmt = this.db.prepare<[HistoryParams], ReadingRow>(
        `SELECT * FROM readings WHERE ${where.join(" AND ")} ORDER BY observed_at ${dir}, id ${dir} LIMIT @limit`,
      );
      this.historyStatements.set(key, stmt);
    }
    return stmt;
  }
}

interface HistoryParams {
  deviceId: number | null;
  kindId: number | null;
  from: number;
  to: number;
  limit: number;
}

function prepare(db: Db) {
  return {
    readingInsert: db.prepare<[number, number, number, number, number, number, Buffer, number, number, number]>(
      `INSERT INTO readings (device_id, boot, seq, type_id, kind_id, topic_id, payload, observed_at, received_at, alarm)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (device_id, boot, seq) DO NOTHING`,
    ),
    windowUpsert: db.prepare<[number, number, number, Buffer]>(
      `INSERT INTO replay_windows (device_id, boot, top, seen) VALUES (?, ?, ?, ?)
       ON CONFLICT (device_id) DO UPDATE SET boot = excluded.boot, top = excluded.top, seen = excluded.seen`,
    ),
    windowsAll: db.prepare<[], WindowRow>("SELECT device_id, boot, top, seen FROM replay_windows ORDER BY device_id"),
    metaGet: db.prepare<[string], number>("SELECT value FROM meta WHERE key = ?").pluck(),
    commandInsert: db.prepare<[number, string, number, number, number]>(
      `INSERT INTO commands (device_id, command, state, created_at, expires_at, updated_at)
       VALUES (?, ?, 'queued', ?, ?, ?)`,
    ),
    commandsPending: db.prepare<[number, number], CommandRow>(
      `SELECT * FROM commands WHERE device_id = ? AND state IN ${OPEN_STATES} AND expires_at > ? ORDER BY id`,
    ),
    commandsOpenCounts: db.prepare<[], { device_id: number; open: number }>(
      `SELECT device_id, count(*) AS open FROM commands WHERE state IN ${OPEN_STATES} GROUP BY device_id`,
    ),
    commandSetState: db.prepare<[{ state: CommandState; detail: string | null; at: number; id: number }]>(
      `UPDATE commands SET state = @state, detail = coalesce(@detail, detail), updated_at = @at
       WHERE id = @id AND state IN ${OPEN_STATES}`,
    ),
    commandsExpire: db.prepare<[number, number], CommandRow>(
      `UPDATE commands SET state = 'expired', updated_at = ?
       WHERE state IN ${OPEN_STATES} AND expires_at <= ? RETURNING *`,
    ),
    commandsNextExpiry: db.prepare<[], number | null>(`SELECT min(expires_at) FROM commands WHERE state IN ${OPEN_STATES}`).pluck(),
    commandGet: db.prepare<[number], CommandRow>("SELECT * FROM commands WHERE id = ?"),
    commandByRef: db.prepare<[number, number, string], CommandRow>(
      `SELECT * FROM commands WHERE device_id = ? AND expires_at > ? AND json_extract(command, '$.ref') = ?
       ORDER BY id DESC LIMIT 1`,
    ),
    lastHeardAll: db.prepare<[], { device_id: number; origin: string }>("SELECT device_id, origin FROM last_heard"),
    lastHeardUpsert: db.prepare<[number, string, number]>(
      `INSERT INTO last_heard (device_id, origin, heard_at) VALUES (?, ?, ?)
       ON CONFLICT (device_id) DO UPDATE SET origin = excluded.origin, heard_at = excluded.heard_at`,
    ),
    commandListAll: db.prepare<[number], CommandRow>("SELECT * FROM commands ORDER BY id DESC LIMIT ?"),
    commandListDevice: db.prepare<[number, number], CommandRow>(
      "SELECT * FROM commands WHERE device_id = ? ORDER BY id DESC LIMIT ?",
    ),
  };
}

function clampLimit(limit: number = HISTORY_LIMIT.default): number {
  return Math.min(Math.max(Math.trunc(limit), 1), HISTORY_LIMIT.max);
}

function toCommand(r: CommandRow): StoredCommand {
  return {
    id: r.id,
    deviceId: r.device_id,
    command: r.command,
    state: r.state,
    detail: r.detail,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    updatedAt: r.updated_at,
  };
}
