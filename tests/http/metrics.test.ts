import parsePrometheus, { type PromFamily } from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHttp } from "../../gateway/http/server.js";
import { GatewayMetrics } from "../../gateway/metrics/metrics.js";
import { OUTCOMES } from "../../gateway/pipeline/pipeline.js";
import type { Store } from "../../gateway/store/store.js";
import { reading, startTestHttp, T0, tempStore } from "./support.js";

let http: RunningHttp;
let store: Store;
let cleanup: () => void;
let metrics: GatewayMetrics;
const upstream = { connected: true, forwarded: 0 };
let dropped = 0;
const NOW = T0 + 90_000;

beforeAll(async () => {
  ({ store, cleanup } = tempStore());
  store.outboxConsumers(["mqtt", "ngsi-ld"]);
  metrics = new GatewayMetrics({ now: () => NOW });
  metrics.setCollectors({
    storeDepth: () => store.usedBytes(),
    outboxDepth: () => store.outboxDepth(),
    outboxDropped: () => dropped,
    upstream: () => upstream,
    senderLag: () => ({ mqtt: store.outboxLag("mqtt"), "ngsi-ld": store.outboxLag("ngsi-ld") }),
  });
  http = await startTestHttp(store, { metrics });
});

afterAll(async () => {
  await http.close();
  cleanup();
});

async function scrape(): Promise<Map<string, PromFamily>> {
  const res = await fetch(`http://127.0.0.1:${http.port}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  const families = parsePrometheus(await res.text());
  // the parser is lenient about values; hold every sample to the format's number grammar
  for (const f of families) {
    for (const m of f.metrics) {
      for (const v of [m.value, m.count, m.sum, ...Object.values(m.buckets ?? {})]) {
        if (v !== undefined) expect(v, `${f.name} ${JSON.stringify(m)}`).toMatch(/^(?:[+-]?(?:\d+\.?\d*(?:e[+-]?\d+)?|\.\d+)|[+-]Inf|NaN)$/i);
      }
    }
  }
  return new Map(families.map((f) => [f.name, f]));
}

/** The value of one sample, by its labels (all of them). */
function value(families: Map<string, PromFamily>, name: string, labels: Record<string, string> = {}): number {
  const family = families.get(name);
  expect(family, `family ${name}`).toBeDefined();
  const sample = family!.metrics.find((m) => JSON.stringify(m.labels ?? {}) === JSON.stringify(labels));
  expect(sample, `${name}${JSON.stringify(labels)}`).toBeDefined();
  return Number(sample!.value);
}

describe("GET /metrics", () => {
  it("exposes every gateway family with its type, and the Node process metrics", async () => {
    const families = await scrape();
    const types = Object.fromEntries([...families].filter(([n]) => n.startsWith("pantau_")).map(([n, f]) => [n, f.type]));
    expect(types).toEqual({
      pantau_frames_total: "COUNTER",
      pantau_end_to_end_latency_seconds: "HISTOGRAM",
      pantau_port_state: "GAUGE",
      pantau_device_rssi_dbm: "GAUGE",
      pantau_device_snr_db: "GAUGE",
      pantau_device_battery_volts: "GAUGE",
      pantau_store_used_bytes: "GAUGE",
      pantau_outbox_rows: "GAUGE",
      pantau_outbox_alarm_rows: "GAUGE",
      pantau_outbox_oldest_age_seconds: "GAUGE",
      pantau_upstream_connected: "GAUGE",
      pantau_upstream_lag_messages: "GAUGE",
      pantau_upstream_forwarded_total: "COUNTER",
      pantau_upstream_dropped_total: "COUNTER",
    });
    for (const name of ["process_cpu_user_seconds_total", "process_resident_memory_bytes", "nodejs_heap_size_used_bytes", "nodejs_eventloop_lag_seconds"]) {
      expect(families.has(name), name).toBe(true);
    }
    // every outcome is there from the start, at zero, so rate() works before the first rejection
    expect(families.get("pantau_frames_total")!.metrics.map((m) => m.labels!.result).sort()).toEqual([...OUTCOMES].sort());
    expect(value(families, "pantau_frames_total", { result: "mic" })).toBe(0);
  });

  it("counts frames by result and observes latencies into the histogram", async () => {
    for (let i = 0; i < 3; i++) metrics.frame("accepted");
    metrics.frame("mic");
    metrics.frame("replay");
    for (const s of [0.004, 0.03, 0.03, 2, 7200, -0.5]) metrics.latency(s);
    const families = await scrape();
    expect(value(families, "pantau_frames_total", { result: "accepted" })).toBe(3);
    expect(value(families, "pantau_frames_total", { result: "mic" })).toBe(1);
    expect(value(families, "pantau_frames_total", { result: "replay" })).toBe(1);
    expect(value(families, "pantau_frames_total", { result: "framing" })).toBe(0);
    const [h] = families.get("pantau_end_to_end_latency_seconds")!.metrics;
    expect(Number(h!.count)).toBe(6);
    expect(Number(h!.sum)).toBeCloseTo(7202.064, 6); // the negative delay counts as 0
    expect(h!.buckets).toMatchObject({ "0.005": "2", "0.05": "4", "2.5": "5", "3600": "5", "+Inf": "6" });
  });

  it("shows each port's current state as 1 and its other states as 0", async () => {
    metrics.portState("/dev/ttyUSB0", "opening");
    metrics.portState("/dev/ttyUSB0", "open");
    metrics.portState("/dev/ttyUSB1", "closed");
    const families = await scrape();
    expect(value(families, "pantau_port_state", { port: "/dev/ttyUSB0", state: "open" })).toBe(1);
    expect(value(families, "pantau_port_state", { port: "/dev/ttyUSB0", state: "opening" })).toBe(0);
    expect(value(families, "pantau_port_state", { port: "/dev/ttyUSB1", state: "closed" })).toBe(1);
    expect(value(families, "pantau_port_state", { port: "/dev/ttyUSB1", state: "open" })).toBe(0);
  });

  it("shows per-device link quality, keeping the last known value of each", async () => {
    metrics.deviceLink(101, { rssi: -97, snr: 5.5, batteryV: 12.48 });
    metrics.deviceLink(101, { rssi: -99 });
    metrics.deviceLink(103, { batteryV: 3.71 });
    const families = await scrape();
    expect(value(families, "pantau_device_rssi_dbm", { device: "101" })).toBe(-99);
    expect(value(families, "pantau_device_snr_db", { device: "101" })).toBe(5.5);
    expect(value(families, "pantau_device_battery_volts", { device: "101" })).toBe(12.48);
    expect(value(families, "pantau_device_battery_volts", { device: "103" })).toBe(3.71);
    expect(families.get("pantau_device_rssi_dbm")!.metrics).toHaveLength(1);
  });

  it("reads store and outbox depth and the upstream state on each scrape", async () => {
    let families = await scrape();
    expect(value(families, "pantau_outbox_rows")).toBe(0);
    expect(value(families, "pantau_outbox_oldest_age_seconds")).toBe(0);
    expect(value(families, "pantau_store_used_bytes")).toBeGreaterThan(0);

    store.commit([reading(101, 0, { site: "smg-pemuda-01" }), reading(101, 1, { site: "smg-pemuda-01" }), reading(101, 2, { site: "smg-pemuda-01", kind: "alarm" })]);
    upstream.forwarded = 40;
    dropped = 5;
    families = await scrape();
    expect(value(families, "pantau_outbox_rows")).toBe(3);
    expect(value(families, "pantau_outbox_alarm_rows")).toBe(1);
    // the oldest row was received at T0 + 250 ms; the clock says T0 + 90 s
    expect(value(families, "pantau_outbox_oldest_age_seconds")).toBeCloseTo(89.75, 6);
    expect(value(families, "pantau_upstream_connected")).toBe(1);
    expect(value(families, "pantau_upstream_forwarded_total")).toBe(40);
    expect(value(families, "pantau_upstream_dropped_total")).toBe(5);
    // each sender's own lag: one has sent the first two, the other nothing yet
    store.outboxCursor("mqtt").commit(store.outboxPeek(2)[1]!.id);
    families = await scrape();
    expect(value(families, "pantau_upstream_lag_messages", { sender: "mqtt" })).toBe(1);
    expect(value(families, "pantau_upstream_lag_messages", { sender: "ngsi-ld" })).toBe(3);

    // running totals become counter increments; a sender that restarted from zero keeps the counter rising
    upstream.connected = false;
    upstream.forwarded = 55;
    families = await scrape();
    expect(value(families, "pantau_upstream_connected")).toBe(0);
    expect(value(families, "pantau_upstream_forwarded_total")).toBe(55);
    upstream.forwarded = 4;
    families = await scrape();
    expect(value(families, "pantau_upstream_forwarded_total")).toBe(59);
  });

  it("still answers when a collector throws (a closed store)", async () => {
    metrics.setCollectors({ outboxDepth: () => { throw new Error("The database connection is not open"); } });
    const families = await scrape();
    expect(families.has("pantau_frames_total")).toBe(true);
    expect(value(families, "pantau_outbox_rows")).toBe(3); // last known value
  });
});
