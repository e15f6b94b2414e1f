import type { Logger } from "../log.js";
import type { OutboxCursor, OutboxItem } from "../store/outbox.js";

/** How a sender puts one message on its way: `done` once the far end has it (or with why not). */
export type Deliver = (item: OutboxItem, done: (err?: Error) => void) => void;

export interface DrainOptions {
  /** messages handed over and not yet confirmed at once, 1..MAX_WINDOW */
  window?: number;
  /** messages read from the outbox at a time */
  batchSize?: number;
  /** fallback poll of the outbox when no notify() comes */
  pollMs?: number;
  /** after a failed message, the window is sent again from it after this pause */
  retryMs?: number;
}

export interface DrainStats {
  /** messages confirmed since start */
  forwarded: number;
  inFlight: number;
  lastError: string | null;
  /** epoch ms */
  lastForwardedAt: number | null;
}

export const MAX_WINDOW = 1000;
/**
 * A window's worth goes out per round trip, and a busy gateway's round trip is its event-loop
 * turn: a loaded gateway whose turns take 150 ms forwards ~380 a second with 100 in flight and
 * ~1,300 with 1,000, while it takes in whatever arrived during the turn; with 100, the soak at load
 * 11-16 forwarded half of what it took until the outbox hit its bound. A command center 100 ms
 * away is the same sum.
 */
const DEFAULT_WINDOW = MAX_WINDOW;

// Moving the cursor is a store transaction (an fsync with synchronous=FULL, and the consumed
// messages deleted): one per COMMIT_BATCH confirmed messages or per COMMIT_DELAY_MS, whichever
// comes first. A crash in between resends those messages: duplicates upstream (each carries its
// stable id), never a loss. At 20 ms a drain of 1,000/s paid some 50 of them a second, 19 % of the
// soak's gateway CPU on the event loop; at 250 ms it pays 5.
const COMMIT_BATCH = 200;
export const COMMIT_DELAY_MS = 250;

interface InFlight {
  id: number;
  state: "sent" | "confirmed" | "failed";
}

/**
 * The ordered drain of one sender's cursor, whatever carries the messages: at most `window`
 * messages handed over and awaiting confirmation, the cursor moved only over a confirmed prefix
 * (so order holds across a crash: at least once, never lost, never reordered), and after a
 * failure the window sent again from the failed message once the rest has settled.
 */
export class OrderedDrain {
  private ready = false;
  private stopped = true;
  /** highest id handed over */
  private sent = 0;
  /** handed over and not yet behind the cursor, in id order */
  private inFlight: InFlight[] = [];
  /** of those, the ones awaiting confirmation */
  private unconfirmed = 0;
  private settledSinceCommit = 0;
  private commitTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private buffer: OutboxItem[] = [];
  private pausedUntil = 0;
  private wakeQueued = false;
  private readonly window: number;
  private readonly batchSize: number;
  private readonly counts: DrainStats = { forwarded: 0, inFlight: 0, lastError: null, lastForwardedAt: null };

  constructor(
    private readonly cursor: OutboxCursor,
    private readonly deliver: Deliver,
    private readonly log: Logger,
    private readonly opts: DrainOptions = {},
    private readonly onCommit: (n: number) => void = () => undefined,
  ) {
    this.window = Math.min(MAX_WINDOW, Math.max(1, Math.floor(opts.window ?? DEFAULT_WINDOW)));
    this.batchSize = Math.max(1, opts.batchSize ?? 100);
  }

  start(): void {
    this.stopped = false;
    this.sent = this.cursor.position();
    this.pollTimer = setInterval(() => this.pump(), this.opts.pollMs ?? 1000);
  }

  /** The far end can take messages now (true) or not (false: nothing new is handed over). */
  setReady(ready: boolean): void {
    this.ready = ready;
    if (ready) this.pump();
  }

  /** New messages are in the outbox. */
  notify(): void {
    if (this.wakeQueued) return;
    this.wakeQueued = true;
    setImmediate(() => {
      this.wakeQueued = false;
      this.pump();
    });
  }

  /** A failure of the carrier itself (a refused connection): shown in the stats. */
  noteError(message: string): void {
    this.counts.lastError = message;
  }

  stats(): DrainStats {
    return { ...this.counts, inFlight: this.unconfirmed };
  }

  get idle(): boolean {
    return this.unconfirmed === 0;
  }

  /** Hands nothing more over; what is in flight may still be confirmed until `finish()`. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.pollTimer);
  }

  /** Moves the cursor over what was confirmed; what is not stays in the outbox for the next start. */
  finish(): void {
    clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    this.commitPrefix();
  }

  private pump(): void {
    if (this.stopped || !this.ready || Date.now() < this.pausedUntil) return;
    try {
      while (this.unconfirmed < this.window) {
        if (!this.buffer.length) this.buffer = this.cursor.read(this.sent, this.batchSize);
        const item = this.buffer.shift();
        if (!item) return;
        this.send(item);
      }
    } catch (err) {
      this.counts.lastError = (err as Error).message;
      this.log.error({ err: this.counts.lastError }, "upstream: cannot read the outbox; will retry");
    }
  }

  private send(item: OutboxItem): void {
    this.sent = item.id;
    const entry: InFlight = { id: item.id, state: "sent" };
    this.inFlight.push(entry);
    this.unconfirmed++;
    this.deliver(item, (err) => {
      this.unconfirmed--;
      if (err) {
        entry.state = "failed";
        this.counts.lastError = err.message;
        this.log.warn({ id: item.id, err: err.message }, "upstream delivery failed; will resend");
      } else {
        entry.state = "confirmed";
        this.counts.forwarded++;
        this.counts.lastForwardedAt = Date.now();
      }
      this.settled();
    });
  }

  /** A confirmation frees a slot in the window at once; the cursor moves in batches. */
  private settled(): void {
    if (++this.settledSinceCommit >= COMMIT_BATCH) this.commitNow();
    else this.commitTimer ??= setTimeout(() => this.commitNow(), COMMIT_DELAY_MS);
    this.pump();
  }

  private commitNow(): void {
    clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    this.settledSinceCommit = 0;
    this.commitPrefix();
    this.recoverFailed();
    this.pump();
  }

  /** Moves the cursor over the confirmed prefix of the window, so order holds across a crash. */
  private commitPrefix(): void {
    let n = 0;
    while (this.inFlight[n]?.state === "confirmed") n++;
    if (!n) return;
    const done = this.inFlight.splice(0, n);
    try {
      this.cursor.commit(done[done.length - 1]!.id);
    } catch (err) {
      // the cursor stays put and these go out again after a restart: a duplicate, never a loss
      this.counts.lastError = (err as Error).message;
      this.log.error({ err: this.counts.lastError, messages: n }, "upstream: cannot move the outbox cursor");
    }
    this.onCommit(n);
  }

  /** Sends the window again from a failed message once the rest has settled and a pause has passed (the poll resumes it). */
  private recoverFailed(): void {
    const head = this.inFlight[0];
    if (head?.state !== "failed" || this.unconfirmed > 0) return;
    this.sent = head.id - 1;
    this.inFlight = [];
    this.buffer = [];
    this.pausedUntil = Date.now() + (this.opts.retryMs ?? 2000);
  }
}
