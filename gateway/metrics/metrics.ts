import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { LINK_STATES, type LinkState } from "../ingest/link.js";
import { OUTCOMES, type Outcome } from "../pipeline/pipeline.js";

/** The outbox as the store reports it; `oldestMs` is the creation time (epoch ms) of its oldest row. */
export interface OutboxDepth {
  rows: number;
  alarms: number;
  oldestMs: number | null;
}

/** The part of the MQTT sender's stats that metrics read on each scrape. */
export interface UpstreamCounters {
  connected: boolean;
  /** cumulative since the sender started */
  forwarded: number;
}

/** Values read on scrape, so the exposition is always current without a timer. */
export interface MetricCollectors {
  /** the store's size in bytes of used pages (Store.usedBytes()), what its size limit counts */
  storeDepth?: () => number;
  outboxDepth?: () => OutboxDepth;
  /** messages the outbox dropped under its size/age policy, cumulative (Store.counters().outboxDropped) */
  outboxDropped?: () => number;
  upstream?: () => UpstreamCounters;
  /** messages each upstream sender has still to send, by sender name (Store.outboxLag) */
  senderLag?: () => Record<string, number>;
}

export interface LinkQuality {
  rssi?: number;
  snr?: number;
  batteryV?: number;
}

export interface MetricsOptions {
  /** Node process metrics (CPU, memory, event loop lag, GC); on by default */
  defaultMetrics?: boolean;
  now?: () => number;
}

// Seconds: a direct serial frame takes milliseconds, a LoRa frame resent after an outage takes hours.
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/**
 * The gateway's Prometheus registry. Events (frames, latencies, port and link changes) are pushed
 * by the gateway as they happen; depths and upstream state are pulled from callbacks on scrape.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private collectors: MetricCollectors = {};
  private readonly now: () => number;
  private readonly frames: Counter<"result">;
  private readonly latencyHistogram: Histogram;
  private readonly portStates: Gauge<"port" | "state">;
  private readonly rssi: Gauge<"device">;
  private readonly snr: Gauge<"device">;
  private readonly battery: Gauge<"device">;
  /** last cumulative value read per counter fed from a callback */
  private readonly seen = new Map<string, number>();

  constructor(opts: MetricsOptions = {}) {
    this.now = opts.now ?? Date.now;
    const registers = [this.registry];
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });

    this.frames = new Counter({ name: "pantau_frames_total", help: "Frames handled, by outcome", labelNames: ["result"], registers });
    for (const result of OUTCOMES) this.frames.inc({ result }, 0);
    this.latencyHistogram = new Histogram({
      name: "pantau_end_to_end_latency_seconds",
      help: "From the reading's time (device clock, or receipt when the device clock is unset) to its publication",
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.portStates = new Gauge({ name: "pantau_port_state", help: "1 for each port's current state, 0 for the others", labelNames: ["port", "state"], registers });
    this.rssi = new Gauge({ name: "pantau_device_rssi_dbm", help: "RSSI of the device's last frame", labelNames: ["device"], registers });
    this.snr = new Gauge({ name: "pantau_device_snr_db", help: "SNR of the device's last frame", labelNames: ["device"], registers });
    this.battery = new Gauge({ name: "pantau_device_battery_volts", help: "Battery voltage the device last reported", labelNames: ["device"], registers });
    this.gauge("pantau_store_used_bytes", "Bytes in the store file's used pages (what the history size limit counts)", () => this.collectors.storeDepth?.());
    this.gauge("pantau_outbox_rows", "Messages waiting in the upstream outbox", () => this.collectors.outboxDepth?.().rows);
    this.gauge("pantau_outbox_alarm_rows", "Alarm messages waiting in the upstream outbox", () => this.collectors.outboxDepth?.().alarms);
    this.gauge("pantau_outbox_oldest_age_seconds", "Age of the oldest message in the upstream outbox (0 when empty)", () => {
      const depth = this.collectors.outboxDepth?.();
      if (!depth) return undefined;
      return depth.oldestMs === null || depth.rows === 0 ? 0 : Math.max(0, (this.now() - depth.oldestMs) / 1000);
    });
    this.gauge("pantau_upstream_connected", "1 while the MQTT sender is connected to the command center's broker", () => {
      const up = this.collectors.upstream?.();
      return up && (up.connected ? 1 : 0);
    });
    const lag = guarded(() => this.collectors.senderLag?.());
    new Gauge({
      name: "pantau_upstream_lag_messages",
      help: "Messages in the outbox an upstream sender has still to send (its cursor's lag)",
      labelNames: ["sender"],
      registers,
      collect() {
        const now = lag();
        if (!now) return;
        this.reset();
        for (const [sender, n] of Object.entries(now)) this.set({ sender }, n);
      },
    });
    this.cumulative("pantau_upstream_forwarded_total", "Messages the command center's broker acknowledged (PUBACK)", () => this.collectors.upstream?.().forwarded);
    this.cumulative("pantau_upstream_dropped_total", "Messages the outbox dropped under its size/age policy (oldest routine first; alarms only past their own age limit)", () => this.collectors.outboxDropped?.());
  }

  /** Callbacks read on every scrape; a missing one leaves its gauges empty. */
  setCollectors(collectors: MetricCollectors): void {
    this.collectors = { ...this.collectors, ...collectors };
  }

  frame(result: Outcome): void {
    this.frames.inc({ result });
  }

  latency(seconds: number): void {
    // A device clock slightly ahead of ours would give a negative delay; it is "no delay".
    this.latencyHistogram.observe(Math.max(0, seconds));
  }

  /** each port shows 1 on its current state and 0 on the others */
  portState(port: string, state: LinkState): void {
    const states = new Set<string>(LINK_STATES);
    for (const s of states) this.portStates.set({ port, state: s }, s === state ? 1 : 0);
  }

  deviceLink(deviceId: number, link: LinkQuality): void {
    const device = String(deviceId);
    if (link.rssi !== undefined) this.rssi.set({ device }, link.rssi);
    if (link.snr !== undefined) this.snr.set({ device }, link.snr);
    if (link.batteryV !== undefined) this.battery.set({ device }, link.batteryV);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition in Prometheus text format, collectors read now. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /**
   * A counter fed from a running total read on scrape: it advances by what is new since the last
   * scrape, and a source that restarted from zero counts from there.
   */
  private cumulative(name: string, help: string, read: () => number | undefined): void {
    const delta = (): number => {
      const total = guarded(read)();
      if (total === undefined) return 0;
      const last = this.seen.get(name) ?? 0;
      this.seen.set(name, total);
      return total >= last ? total - last : total;
    };
    new Counter({
      name,
      help,
      registers: [this.registry],
      collect() {
        const d = delta();
        if (d > 0) this.inc(d);
      },
    });
  }

  private gauge(name: string, help: string, read: () => number | undefined): void {
    const value = guarded(read);
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        const v = value();
        if (v !== undefined) this.set(v);
      },
    });
  }
}

/** A scrape must not fail because one source is down (a closed store): its series keeps its last value. */
function guarded<T>(read: () => T | undefined): () => T | undefined {
  return () => {
    try {
      return read();
    } catch {
      return undefined;
    }
  };
}
