import type { Logger } from "../log.js";
import type { OutboxCursor, OutboxItem } from "../store/outbox.js";
import type { OutboxConsumer } from "./consumer.js";
import { DEFAULT_CONTEXT, EntityError, toNgsiLdEntity, type NgsiLdEntity } from "./ngsi-ld-entity.js";

export interface NgsiLdOptions {
  /** the context broker's base URL, e.g. `https://broker.example:1026`; the API path is appended */
  url: string;
  /** sent as `NGSILD-Tenant` (ETSI GS CIM 009 V1.9.1, clause 6.3.14) */
  tenant?: string;
  /** HTTP Basic credentials */
  username?: string;
  password?: string;
  /** a bearer token (from the city's identity manager); used instead of username and password */
  token?: string;
  /** JSON-LD @context of every entity; the Smart Data Models' and the NGSI-LD core context by default */
  context?: string[];
  /** entities per upsert request, 1..1000 */
  batchSize?: number;
  /** a request without an answer by then counts as failed and is retried */
  timeoutMs?: number;
  /** first wait after a failed request; doubled on each further failure up to retryMaxMs */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** fallback poll of the outbox when no notify() comes */
  pollMs?: number;
}

export interface NgsiLdStats {
  /** the last request got an answer the sender could act on */
  reachable: boolean;
  /** entities the broker accepted since start */
  delivered: number;
  /** entities the broker refused (clause 5.2.17 errors, or a 400 for that entity alone) */
  rejected: number;
  /** outbox rows that are no entity (command results) */
  skipped: number;
  /** requests sent again after a failure */
  retries: number;
  lastError: string | null;
  /** epoch ms */
  lastDeliveredAt: number | null;
}

/** Batch Entity Creation or Update (clause 5.6.8), bound to HTTP in clause 6.15. */
export const UPSERT_PATH = "ngsi-ld/v1/entityOperations/upsert";

/** A failure worth a retry: the broker is away, overloaded, or refuses the gateway for now. */
class Unreachable extends Error {}

interface Pending {
  row: OutboxItem;
  entity: NgsiLdEntity;
}

interface BatchEntityError {
  entityId?: string;
  error?: { type?: string; title?: string; detail?: string };
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
  });

/**
 * Delivers the outbox to an NGSI-LD context broker as entity upserts, one request at a time in
 * outbox order, so each entity's updates arrive in the order they were observed (several updates
 * of one entity in a request are applied in array order, clause 5.5.11.2). The cursor moves only
 * past rows the broker answered for, so a crash or stop resends at most the request in flight.
 * While the broker is away the sender retries the same request with a growing pause and sends
 * nothing newer; the outbox keeps filling within its bounds meanwhile.
 */
export class NgsiLdSender implements OutboxConsumer {
  /** its key under `upstream` in the config, and its cursor's name */
  readonly name = "ngsiLd";
  private readonly endpoint: URL;
  private readonly headers: Record<string, string>;
  private readonly context: readonly string[];
  private readonly batchSize: number;
  private readonly stopping = new AbortController();
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private cursor = 0;
  private failures = 0;
  private readonly counts: NgsiLdStats = { reachable: false, delivered: 0, rejected: 0, skipped: 0, retries: 0, lastError: null, lastDeliveredAt: null };

  constructor(
    private readonly opts: NgsiLdOptions,
    private readonly outbox: OutboxCursor,
    private readonly log: Logger,
  ) {
    const base = new URL(opts.url);
    if (base.protocol !== "http:" && base.protocol !== "https:") throw new Error(`ngsiLd.url must be http:// or https://, got ${opts.url}`);
    if (!base.pathname.endsWith("/")) base.pathname += "/";
    this.endpoint = new URL(UPSERT_PATH, base);
    this.context = opts.context ?? DEFAULT_CONTEXT;
    this.batchSize = Math.min(1000, Math.max(1, Math.floor(opts.batchSize ?? 100)));
    // application/ld+json carries the @context in the body and forbids a Link header (clause 6.3.5)
    this.headers = { "Content-Type": "application/ld+json", Accept: "application/json" };
    if (opts.tenant) this.headers["NGSILD-Tenant"] = opts.tenant;
    if (opts.token) this.headers.Authorization = `Bearer ${opts.token}`;
    else if (opts.username !== undefined) {
      this.headers.Authorization = `Basic ${Buffer.from(`${opts.username}:${opts.password ?? ""}`).toString("base64")}`;
    }
  }

  start(): void {
    this.cursor = this.outbox.position();
    this.running = this.run();
  }

  /** New rows were committed to the outbox. */
  notify(): void {
    this.wake?.();
  }

  stats(): NgsiLdStats {
    return { ...this.counts };
  }

  /** Abandons the request in flight (its rows stay after the cursor and go out after a restart). */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.wake?.();
    await this.running;
  }

  private get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  private async run(): Promise<void> {
    // rows read and not yet settled: a retry sends what is left of them, each counted once
    let batch: { last: number; pending: Pending[] } | undefined;
    while (!this.stopped) {
      if (!batch) {
        let rows: OutboxItem[] = [];
        try {
          rows = this.outbox.read(this.cursor, this.batchSize);
        } catch (err) {
          this.counts.lastError = (err as Error).message;
          this.log.error({ err: this.counts.lastError }, "ngsi-ld: cannot read the outbox; will retry");
        }
        if (!rows.length) {
          await this.idle();
          continue;
        }
        batch = { last: rows[rows.length - 1]!.id, pending: this.entities(rows) };
      }
      try {
        await this.upsert(batch.pending, batch.pending.length);
      } catch (err) {
        if (this.stopped) return;
        await this.failed(err as Error);
        continue;
      }
      this.settle(batch.last);
      batch = undefined;
    }
  }

  /** Waits for notify() or the poll, whichever comes first. */
  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.opts.pollMs ?? 1000);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }

  private entities(rows: OutboxItem[]): Pending[] {
    const pending: Pending[] = [];
    for (const row of rows) {
      let message: unknown;
      try {
        message = JSON.parse(row.payload);
      } catch {
        this.reject(row, "the outbox row is not JSON");
        continue;
      }
      if (typeof message !== "object" || message === null || !("id" in message) || !("type" in message)) {
        this.counts.skipped++; // a command result: it answers the MQTT command center, it describes no entity
        continue;
      }
      try {
        pending.push({ row, entity: toNgsiLdEntity(message as Record<string, unknown>, this.context) });
      } catch (err) {
        if (!(err instanceof EntityError)) throw err;
        this.reject(row, err.message);
      }
    }
    return pending;
  }

  /**
   * Upserts the first `n` of `pending` and removes them from it once the broker has answered for
   * them; a 400 for several entities is split in halves to find the one the broker refuses.
   */
  private async upsert(pending: Pending[], n: number): Promise<void> {
    if (!n) return;
    const res = await this.post(pending.slice(0, n).map((p) => p.entity));
    const text = await res.text();
    if (res.status === 201 || res.status === 204) {
      pending.splice(0, n);
      return this.delivered(n);
    }
    if (res.status === 207) {
      pending.splice(0, n);
      const errors = (parseJson(text) as { errors?: BatchEntityError[] } | undefined)?.errors ?? [];
      for (const e of errors) {
        this.counts.rejected++;
        this.log.warn({ entityId: e.entityId, problem: e.error }, "ngsi-ld: the broker refused an entity update; it stays in the gateway's history");
      }
      return this.delivered(n - errors.length);
    }
    if (res.status === 400 || res.status === 413 || res.status === 422) {
      if (n > 1) {
        const half = Math.ceil(n / 2);
        await this.upsert(pending, half);
        await this.upsert(pending, n - half);
        return;
      }
      const [refused] = pending.splice(0, 1);
      this.reject(refused!.row, `${res.status} ${describeProblem(text)}`);
      return;
    }
    throw new Unreachable(`${this.endpoint.href} answered ${res.status} ${describeProblem(text)}`);
  }

  private async post(entities: NgsiLdEntity[]): Promise<Response> {
    const signal = AbortSignal.any([this.stopping.signal, AbortSignal.timeout(this.opts.timeoutMs ?? 10_000)]);
    try {
      return await fetch(this.endpoint, { method: "POST", headers: this.headers, body: JSON.stringify(entities), signal });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new Unreachable(`${this.endpoint.href}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
    }
  }

  private delivered(n: number): void {
    this.counts.delivered += n;
    if (n) this.counts.lastDeliveredAt = Date.now();
    if (this.failures) this.log.info({ url: this.endpoint.href, failures: this.failures }, "ngsi-ld: broker reachable again; delivering the backlog");
    this.failures = 0;
    this.counts.reachable = true;
  }

  private reject(row: OutboxItem, reason: string): void {
    this.counts.rejected++;
    this.log.error({ outboxId: row.id, topic: row.topic, reason }, "ngsi-ld: message not sent to the context broker; it stays in the gateway's history");
  }

  private async failed(err: Error): Promise<void> {
    this.failures++;
    this.counts.reachable = false;
    this.counts.retries++;
    const first = this.counts.lastError !== err.message;
    this.counts.lastError = err.message;
    // the first failure of an outage is news; the retries that follow are not
    this.log[first ? "warn" : "debug"]({ err: err.message, failures: this.failures }, "ngsi-ld: upsert failed; holding the outbox and retrying");
    const min = this.opts.retryMinMs ?? 1000;
    const delay = Math.min(this.opts.retryMaxMs ?? 60_000, min * 2 ** (this.failures - 1));
    await sleep(delay * (0.75 + Math.random() / 4), this.stopping.signal);
  }

  private settle(id: number): void {
    this.cursor = id;
    try {
      this.outbox.commit(id);
    } catch (err) {
      // those rows go out again after a restart: a duplicate upstream, never a loss
      this.counts.lastError = (err as Error).message;
      this.log.error({ err: this.counts.lastError }, "ngsi-ld: cannot record the outbox position");
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The title and detail of an NGSI-LD ProblemDetails answer (clause 5.5.2), or the start of the text. */
function describeProblem(text: string): string {
  const p = parseJson(text) as { type?: string; title?: string; detail?: string } | undefined;
  if (p && typeof p === "object" && (p.title || p.detail || p.type)) return [p.type, p.title, p.detail].filter(Boolean).join(": ");
  return text.slice(0, 200);
}
