import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import type { Logger } from "../log.js";
import type { OutboxItem, Store } from "../store/store.js";

/** What the bridge needs from the store: the oldest rows in id order, and their removal once acknowledged. */
export type OutboxSource = Pick<Store, "outboxPeek" | "outboxAck">;

export interface UpstreamTls {
  /** PEM file paths; `ca` pins the command center's CA, `cert`/`key` authenticate the gateway */
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized?: boolean;
}

export interface UpstreamOptions {
  /** `mqtt://host:1883` or `mqtts://host:8883` */
  url: string;
  /** fixed across restarts, so the broker keeps the gateway's session */
  clientId?: string;
  username?: string;
  password?: string;
  tls?: UpstreamTls;
  /** prepended to every topic with a "/" separator, e.g. "gw-north" -> "gw-north/pantau/v1/..." */
  topicPrefix?: string;
  /** QoS 1 publishes awaiting PUBACK at once, 1..20 */
  window?: number;
  /** rows read from the outbox at a time */
  batchSize?: number;
  /** fallback poll of the outbox when no notify() comes */
  pollMs?: number;
  reconnectMs?: number;
  keepaliveS?: number;
  connectTimeoutMs?: number;
  /** how long stop() waits for in-flight messages before closing */
  drainMs?: number;
}

export interface UpstreamStats {
  connected: boolean;
  /** messages acknowledged by the upstream broker since start */
  forwarded: number;
  inFlight: number;
  lastError: string | null;
  /** epoch ms */
  lastForwardedAt: number | null;
  connectedSince: number | null;
}

interface InFlight {
  id: number;
  state: "sent" | "acked" | "failed";
}

export const MAX_WINDOW = 20;

// Removing rows from the outbox is a store transaction (an fsync with synchronous=FULL): one per
// ACK_BATCH acknowledged rows or per ACK_DELAY_MS, whichever comes first. A crash in between
// resends those rows: duplicates upstream, never a loss.
const ACK_BATCH = 200;
const ACK_DELAY_MS = 20;

export function defaultClientId(): string {
  return `pantau-gateway-${hostname()}`;
}

/**
 * Forwards the outbox to the command center's MQTT broker in order, with QoS 1 on a persistent
 * session and at most `window` publishes awaiting their PUBACK. Rows leave the outbox only after
 * their PUBACK, and only as an in-order prefix, so a crash at any point resends: at least once,
 * never lost (the payload's `id` lets the command center drop a duplicate). While the broker is
 * away the bridge sends nothing new; mqtt.js reconnects and resends the unacknowledged window
 * itself (with DUP), then the bridge carries on from where it stopped.
 */
export class UpstreamBridge extends EventEmitter<{ connected: []; disconnected: []; forwarded: [number] }> {
  readonly name = "upstream";
  private client: MqttClient | undefined;
  private connected = false;
  private stopped = false;
  /** highest outbox id handed to mqtt.js */
  private cursor = 0;
  /** rows handed to mqtt.js and not yet removed from the outbox, in id order */
  private inFlight: InFlight[] = [];
  /** of those, the ones still awaiting their PUBACK */
  private unacked = 0;
  /** settled since the last removal from the outbox */
  private settledSinceFlush = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private buffer: OutboxItem[] = [];
  private forwarded = 0;
  private lastError: string | null = null;
  private lastForwardedAt: number | null = null;
  private connectedSince: number | null = null;
  private pollTimer: NodeJS.Timeout | undefined;
  /** after a failed publish, sending waits until this time (epoch ms) */
  private pausedUntil = 0;
  private wakeQueued = false;
  private readonly window: number;
  private readonly batchSize: number;
  private readonly prefix: string;

  constructor(
    private readonly opts: UpstreamOptions,
    private readonly outbox: OutboxSource,
    private readonly log: Logger,
  ) {
    super();
    this.window = Math.min(MAX_WINDOW, Math.max(1, Math.floor(opts.window ?? 10)));
    this.batchSize = Math.max(1, opts.batchSize ?? 100);
    this.prefix = opts.topicPrefix ? opts.topicPrefix.replace(/\/+$/, "") + "/" : "";
    // a wildcard in a published topic makes the broker drop the connection, and the resend would too
    if (/[+#\0]/.test(this.prefix)) throw new Error(`upstream topicPrefix "${opts.topicPrefix}" must not contain +, # or NUL`);
  }

  start(): void {
    const client = mqtt.connect(this.opts.url, this.clientOptions());
    this.client = client;
    client.on("connect", (connack) => {
      this.connected = true;
      this.connectedSince = Date.now();
      this.log.info({ url: this.opts.url, sessionPresent: connack.sessionPresent }, "upstream connected");
      this.emit("connected");
      this.pump();
    });
    client.on("close", () => {
      if (!this.connected) return;
      this.connected = false;
      this.connectedSince = null;
      this.lastError = "connection to the upstream broker closed";
      this.log.warn({ url: this.opts.url, inFlight: this.unacked }, "upstream disconnected; holding the outbox");
      this.emit("disconnected");
    });
    client.on("error", (err) => {
      // mqtt.js retries every reconnectMs; log the first failure of an outage, not each retry
      const first = this.lastError !== err.message;
      this.lastError = err.message;
      this.log[first ? "warn" : "debug"]({ url: this.opts.url, err: err.message }, "upstream error");
    });
    this.pollTimer = setInterval(() => this.pump(), this.opts.pollMs ?? 1000);
  }

  /** New rows were committed to the outbox. */
  notify(): void {
    if (this.wakeQueued) return;
    this.wakeQueued = true;
    setImmediate(() => {
      this.wakeQueued = false;
      this.pump();
    });
  }

  stats(): UpstreamStats {
    return {
      connected: this.connected,
      forwarded: this.forwarded,
      inFlight: this.unacked,
      lastError: this.lastError,
      lastForwardedAt: this.lastForwardedAt,
      connectedSince: this.connectedSince,
    };
  }

  /** Waits up to drainMs for in-flight messages, then closes; unacknowledged rows stay in the outbox. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    const deadline = Date.now() + (this.opts.drainMs ?? 2000);
    while (this.connected && this.unacked > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    clearTimeout(this.flushTimer);
    this.flush();
    await this.client?.endAsync(true);
    this.connected = false;
  }

  private clientOptions(): IClientOptions {
    const tls = this.opts.tls;
    const file = (path: string | undefined): Buffer | undefined => (path ? readFileSync(path) : undefined);
    return {
      clientId: this.opts.clientId ?? defaultClientId(),
      clean: false,
      protocolVersion: 4,
      username: this.opts.username,
      password: this.opts.password,
      reconnectPeriod: this.opts.reconnectMs ?? 2000,
      // a refusal (server unavailable, credentials not yet provisioned upstream) is retried too:
      // the gateway runs unattended and must not need a restart to resume
      reconnectOnConnackError: true,
      connectTimeout: this.opts.connectTimeoutMs ?? 10_000,
      keepalive: this.opts.keepaliveS ?? 30,
      resubscribe: false,
      queueQoSZero: false,
      ca: file(tls?.ca),
      cert: file(tls?.cert),
      key: file(tls?.key),
      rejectUnauthorized: tls?.rejectUnauthorized ?? true,
    };
  }

  /** Fills the in-flight window from the outbox while the broker is there. */
  private pump(): void {
    if (this.stopped || !this.connected || !this.client || Date.now() < this.pausedUntil) return;
    try {
      while (this.unacked < this.window) {
        if (!this.buffer.length) this.buffer = this.readOutbox();
        const row = this.buffer.shift();
        if (!row) return;
        this.send(this.client, row);
      }
    } catch (err) {
      this.lastError = (err as Error).message;
      this.log.error({ err: this.lastError }, "upstream: cannot read the outbox; will retry");
    }
  }

  private readOutbox(): OutboxItem[] {
    // rows in flight or awaiting removal are still in the outbox, ahead of the new ones
    return this.outbox.outboxPeek(this.inFlight.length + this.batchSize).filter((r) => r.id > this.cursor);
  }

  private send(client: MqttClient, row: OutboxItem): void {
    this.cursor = row.id;
    const entry: InFlight = { id: row.id, state: "sent" };
    this.inFlight.push(entry);
    this.unacked++;
    // status is retained upstream as on the embedded broker, so a dashboard sees it at once
    const retain = row.topic.endsWith("/status");
    client.publish(this.prefix + row.topic, row.payload, { qos: 1, retain }, (err) => {
      this.unacked--;
      if (err) {
        entry.state = "failed";
        this.lastError = err.message;
        this.log.warn({ id: row.id, err: err.message }, "upstream publish failed; will resend");
      } else {
        entry.state = "acked";
        this.forwarded++;
        this.lastForwardedAt = Date.now();
      }
      this.settled();
    });
  }

  /** A PUBACK frees a slot in the window at once; removal from the outbox waits for a batch. */
  private settled(): void {
    if (++this.settledSinceFlush >= ACK_BATCH) this.flushNow();
    else this.flushTimer ??= setTimeout(() => this.flushNow(), ACK_DELAY_MS);
    this.pump();
  }

  private flushNow(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.settledSinceFlush = 0;
    this.flush();
    this.recoverFailed();
    this.pump();
  }

  /** Removes the acknowledged prefix of the window from the outbox, so order holds across a crash. */
  private flush(): void {
    let n = 0;
    while (this.inFlight[n]?.state === "acked") n++;
    if (!n) return;
    const ids = this.inFlight.splice(0, n).map((f) => f.id);
    try {
      this.outbox.outboxAck(ids);
    } catch (err) {
      // the rows stay in the outbox and go out again after a restart: a duplicate, never a loss
      this.lastError = (err as Error).message;
      this.log.error({ err: this.lastError, ids: ids.length }, "upstream: cannot ack the outbox");
    }
    this.emit("forwarded", ids.length);
  }

  /**
   * A publish that failed outright (not a disconnect, which mqtt.js rides out) sends the window
   * again from the failed row once the rest has settled and a pause has passed (the poll resumes
   * it), keeping the order.
   */
  private recoverFailed(): void {
    const head = this.inFlight[0];
    if (head?.state !== "failed" || this.unacked > 0) return;
    this.cursor = head.id - 1;
    this.inFlight = [];
    this.buffer = [];
    this.pausedUntil = Date.now() + (this.opts.reconnectMs ?? 2000);
  }
}
