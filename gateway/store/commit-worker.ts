import { existsSync } from "node:fs";
import { Worker } from "node:worker_threads";
import type { Logger } from "../log.js";
import { packBatch, packTransfer, type PackedBatch } from "./commit-thread-pack.js";
import type { CommitResult, CursorMove, LastHeard, OutboxCursor, ReadingRecord, ReplayWindowRow, Store, StoreOptions } from "./store.js";

/** A batch for the commit thread (its readings and windows packed), or "close" (close the store and end). */
export type CommitRequest = { id: number; packed: PackedBatch; heard: LastHeard[]; cursors: CursorMove[] } | "close";

/** What waits for the next commit: where units were heard, and where senders' cursors moved (the highest position each). */
interface Pending {
  heard: LastHeard[];
  cursors: Map<string, number>;
}

/** The thread's answer to one batch. */
export type CommitReply = { id: number; inserted: boolean[] } | { id: number; error: { message: string; code: string | undefined } };

/** After the thread died, batches fail at once for this long rather than start a thread each (a store that cannot open). */
const RESTART_AFTER_MS = 1000;
/**
 * The thread's young generation, in MiB. V8's default let its new space grow to 32 MiB, which a
 * fleet of 65,535 units heard at once filled: its heap took 47 MiB, 15 of them in use. At 12 it
 * took 23 (the gateway's peak 358 -> 321-328 MiB); the gateway's CPU a frame, commit thread
 * included, was 163-180 us against 156-172 (load 6-7, within the noise).
 */
const YOUNG_GENERATION_MB = 12;

/** The thread's entry as JavaScript: beside this module in dist/, or dist/'s when this module runs from the sources (the tests). */
function entry(): URL {
  const beside = new URL("./commit-thread.js", import.meta.url);
  if (existsSync(beside)) return beside;
  const built = new URL("../../dist/gateway/store/commit-thread.js", import.meta.url);
  if (!existsSync(built)) throw new Error(`the commit thread's code is missing (${built.pathname}): build the gateway first (npm run build)`);
  return built;
}

/**
 * Store commits in a worker thread with its own connection to the store file: the event loop
 * verifies, publishes and acks while a batch's transaction and fsync run beside it. A commit
 * answers as `Store.commit` does (the ack still waits for it); a thread that dies fails the
 * batch it held (not acked, so resent) and the next batch starts a new one. Outcomes go to the
 * event loop's Store, whose `health()` reports them.
 */
export class CommitThread {
  private worker: Worker | undefined;
  private readonly waiting = new Map<number, { resolve: (r: CommitResult) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private died: { at: number; error: Error } | undefined;
  private pending: Pending = { heard: [], cursors: new Map() };
  private pendingScheduled = false;

  constructor(
    private readonly options: StoreOptions,
    private readonly store: Pick<Store, "noteCommit" | "loadReplayWindows" | "outboxConsumers" | "outboxCursor">,
    private readonly log: Logger,
  ) {
    this.worker = this.spawn();
  }

  /** The batch is packed and posted before this returns: nothing here holds its records while the thread commits. */
  commit(batch: ReadingRecord[], windows: ReplayWindowRow[]): Promise<CommitResult> {
    return this.noted(this.post(batch, windows));
  }

  private async noted(committing: Promise<CommitResult>): Promise<CommitResult> {
    try {
      const result = await committing;
      this.store.noteCommit();
      return result;
    } catch (err) {
      this.store.noteCommit(err);
      throw err;
    }
  }

  /**
   * Where a unit was last heard: written in the next commit's transaction (so a fleet's first
   * contact costs no fsync per unit), or in one of its own at the end of this turn if none comes.
   */
  setLastHeard(deviceId: number, origin: string, at: number): void {
    this.pending.heard.push({ deviceId, origin, at });
    this.schedulePending();
  }

  /** Declares the upstream senders (`Store.outboxConsumers`, on the event loop's connection: once, at start). */
  outboxConsumers(names: readonly string[]): { added: string[]; removed: string[] } {
    return this.store.outboxConsumers(names);
  }

  /**
   * A sender's cursor whose moves are written by the thread, with the next commit or in one of
   * their own at the end of this turn: the event loop then never waits for the write lock (and a
   * commit's fsync) to move it. A crash before that resends those messages (with their stable
   * ids), as a cursor moved in batches always did.
   */
  outboxCursor(consumer: string): OutboxCursor {
    const cursor = this.store.outboxCursor(consumer);
    return {
      read: (after, limit) => cursor.read(after, limit),
      position: () => Math.max(this.pending.cursors.get(consumer) ?? 0, cursor.position()),
      commit: (id) => {
        this.pending.cursors.set(consumer, Math.max(this.pending.cursors.get(consumer) ?? 0, id));
        this.schedulePending();
      },
    };
  }

  loadReplayWindows(): ReplayWindowRow[] {
    return this.store.loadReplayWindows();
  }

  /** The thread now, if one runs (diagnostics, and the tests that kill it). */
  get thread(): Worker | undefined {
    return this.worker;
  }

  /** Lets the thread close its connection (a checkpoint) and end; call once no commit is waiting. */
  async close(): Promise<void> {
    if (hasAny(this.pending)) await this.commit([], []).catch(() => undefined);
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    const ended = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    worker.postMessage("close" satisfies CommitRequest);
    await ended;
  }

  private schedulePending(): void {
    if (this.pendingScheduled) return;
    this.pendingScheduled = true;
    setImmediate(() => {
      this.pendingScheduled = false;
      if (hasAny(this.pending)) this.commit([], []).catch(() => undefined);
    });
  }

  private post(batch: ReadingRecord[], windows: ReplayWindowRow[]): Promise<CommitResult> {
    const { heard, cursors } = this.pending;
    this.pending = { heard: [], cursors: new Map() };
    const moves = [...cursors].map(([consumer, position]) => ({ consumer, position }));
    let sending: Promise<CommitResult>;
    try {
      sending = this.send(batch, windows, heard, moves);
    } catch (err) {
      sending = Promise.reject(err);
    }
    const units = heard.length;
    const senders = moves.length;
    return sending.catch((err: Error) => {
      // the unit's next change of link, or its next uplink after a restart, is the next chance
      if (units > 0) this.log.warn({ units, err: err.message }, "where units were heard not saved");
      // a sender's next move carries its position further; until then a restart resends from the last one saved
      if (senders > 0) this.log.warn({ senders, err: err.message }, "upstream cursors not moved");
      throw err;
    });
  }

  private send(batch: ReadingRecord[], windows: ReplayWindowRow[], heard: LastHeard[], cursors: CursorMove[]): Promise<CommitResult> {
    if (!this.worker) {
      if (this.died && Date.now() - this.died.at < RESTART_AFTER_MS) return Promise.reject(this.died.error);
      this.worker = this.spawn();
    }
    const worker = this.worker;
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      const packed = packBatch(batch, windows);
      worker.postMessage({ id, packed, heard, cursors } satisfies CommitRequest, packTransfer(packed));
    });
  }

  private spawn(): Worker {
    const worker = new Worker(entry(), { workerData: this.options, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    worker.on("message", (reply: CommitReply) => {
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (!waiter) return;
      if ("inserted" in reply) waiter.resolve({ inserted: reply.inserted });
      else waiter.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
    });
    worker.on("error", (err) => this.lost(worker, err));
    worker.on("exit", (code) => this.lost(worker, new Error(`the commit thread ended (exit code ${code})`)));
    return worker;
  }

  /** The thread died (or ended): what it held fails, and the next batch starts a new one. */
  private lost(worker: Worker, error: Error): void {
    if (worker !== this.worker) return;
    this.worker = undefined;
    this.died = { at: Date.now(), error };
    if (this.waiting.size > 0) this.log.error({ err: error.message, batches: this.waiting.size }, "commit thread died; its batches are not acknowledged");
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }
}

function hasAny(pending: Pending): boolean {
  return pending.heard.length > 0 || pending.cursors.size > 0;
}
