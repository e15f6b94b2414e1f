import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import type { Logger } from "../log.js";
import { retainedTopic } from "../publish/publisher.js";
import type { OutboxCursor, OutboxItem } from "../store/outbox.js";
import type { OutboxConsumer } from "./consumer.js";
import { OrderedDrain, type DrainStats } from "./ordered-drain.js";

export interface MqttSenderTls {
  /** PEM file paths; `ca` pins the command center's CA, `cert`/`key` authenticate the gateway */
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized?: boolean;
}

export interface MqttSenderOptions {
  /** `mqtt://host:1883` or `mqtts://host:8883` */
  url: string;
  /** fixed across restarts, so the broker keeps the gateway's session */
  clientId?: string;
  username?: string;
  password?: string;
  tls?: MqttSenderTls;
  /** prepended to every topic with a "/" separator, e.g. "gw-north" -> "gw-north/pantau/v1/..." */
  topicPrefix?: string;
  /** QoS 1 publishes awaiting PUBACK at once, 1..1000 (1000 when absent) */
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

export interface MqttSenderStats extends DrainStats {
  connected: boolean;
  connectedSince: number | null;
}

export function defaultClientId(): string {
  return `pantau-gateway-${hostname()}`;
}

/**
 * Sends the outbox to the command center's MQTT broker: QoS 1 on a persistent session, in order
 * through its own cursor (the ordered drain). While the broker is away it sends nothing new;
 * mqtt.js reconnects and resends the unacknowledged window itself (with DUP), then the sender
 * carries on where it stopped. The payload's `id` lets the command center drop a duplicate.
 */
export class MqttSender extends EventEmitter<{ connected: []; disconnected: []; forwarded: [number] }> implements OutboxConsumer {
  readonly name = "mqtt";
  private client: MqttClient | undefined;
  private connected = false;
  private connectedSince: number | null = null;
  private readonly drain: OrderedDrain;
  private readonly prefix: string;

  constructor(
    private readonly opts: MqttSenderOptions,
    cursor: OutboxCursor,
    private readonly log: Logger,
  ) {
    super();
    this.prefix = opts.topicPrefix ? opts.topicPrefix.replace(/\/+$/, "") + "/" : "";
    // a wildcard in a published topic makes the broker drop the connection, and the resend would too
    if (/[+#\0]/.test(this.prefix)) throw new Error(`upstream topicPrefix "${opts.topicPrefix}" must not contain +, # or NUL`);
    this.drain = new OrderedDrain(
      cursor,
      (item, done) => this.publish(item, done),
      log,
      { window: opts.window, batchSize: opts.batchSize, pollMs: opts.pollMs, retryMs: opts.reconnectMs ?? 2000 },
      (n) => this.emit("forwarded", n),
    );
  }

  start(): void {
    const client = mqtt.connect(this.opts.url, this.clientOptions());
    this.client = client;
    client.on("connect", (connack) => {
      this.connected = true;
      this.connectedSince = Date.now();
      this.log.info({ url: this.opts.url, sessionPresent: connack.sessionPresent }, "upstream connected");
      this.emit("connected");
      this.drain.setReady(true);
    });
    client.on("close", () => {
      if (!this.connected) return;
      this.connected = false;
      this.connectedSince = null;
      this.drain.setReady(false);
      this.drain.noteError("connection to the upstream broker closed");
      this.log.warn({ url: this.opts.url, inFlight: this.drain.stats().inFlight }, "upstream disconnected; holding the outbox");
      this.emit("disconnected");
    });
    client.on("error", (err) => {
      // mqtt.js retries every reconnectMs; log the first failure of an outage, not each retry
      const first = this.drain.stats().lastError !== err.message;
      this.drain.noteError(err.message);
      this.log[first ? "warn" : "debug"]({ url: this.opts.url, err: err.message }, "upstream error");
    });
    this.drain.start();
  }

  notify(): void {
    this.drain.notify();
  }

  stats(): MqttSenderStats {
    return { connected: this.connected, connectedSince: this.connectedSince, ...this.drain.stats() };
  }

  /** Waits up to drainMs for in-flight messages, then closes; unconfirmed messages stay in the outbox. */
  async stop(): Promise<void> {
    this.drain.stop();
    const deadline = Date.now() + (this.opts.drainMs ?? 2000);
    while (!this.drain.idle && this.connected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    this.drain.finish();
    const client = this.client;
    this.client = undefined;
    await client?.endAsync(true);
    this.connected = false;
  }

  private publish(item: OutboxItem, done: (err?: Error) => void): void {
    if (!this.client) return done(new Error("the MQTT sender is stopped"));
    // status is retained upstream as on the embedded broker, so a dashboard sees it at once
    this.client.publish(this.prefix + item.topic, item.payload, { qos: 1, retain: retainedTopic(item.topic) }, (err) => done(err ?? undefined));
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
}
