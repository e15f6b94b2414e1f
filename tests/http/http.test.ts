import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeviceHealth } from "../../gateway/health/device-health.js";
import { RecentRejections } from "../../gateway/health/recent-rejections.js";
import { startHttp, type RunningHttp } from "../../gateway/http/server.js";
import { createLogger } from "../../gateway/log.js";
import { Registry } from "../../gateway/registry/registry.js";
import type { Store } from "../../gateway/store/store.js";
import { KEYS, TEST_DEVICES } from "../support/fleet.js";
import { getJson, MINUTE, reading, T0, tempStore } from "./support.js";

let http: RunningHttp;
let base: string;
let store: Store;
let cleanup: () => void;
let storeOk = true;
let commandId: number;
const registry = new Registry(TEST_DEVICES);
const rejections = new RecentRejections();

beforeAll(async () => {
  ({ store, cleanup } = tempStore());
  // device 101: 10 traffic readings a minute apart and one alarm; device 103: flood readings
  store.commit([
    ...Array.from({ length: 10 }, (_, seq) => reading(101, seq, { site: "smg-pemuda-01" })),
    reading(101, 10, { site: "smg-pemuda-01", kind: "alarm" }),
    ...Array.from({ length: 3 }, (_, seq) => reading(103, seq, { site: "smg-kali-semarang-02", kind: "flood" })),
  ]);
  commandId = store.commandEnqueue({ deviceId: 102, command: JSON.stringify({ set: { speedLimitKmh: 30 } }), createdAt: T0, expiresAt: T0 + 3_600_000 });
  const health = new DeviceHealth(registry.all(), { startedAt: T0 });
  health.observe(101, { boot: 1, seq: 0, type: "status", receivedAt: T0, batteryMv: 12480, rssiDbm: -97, snrDb10: 55, queueDepth: 2 });
  http = await startHttp({ port: 0 }, {
    registry,
    store,
    health,
    rejections,
    checks: {
      broker: () => ({ ok: true, port: 1883, clients: 2 }),
      store: () => {
        if (!storeOk) throw new Error("SQLITE_IOERR: disk I/O error");
        return { ok: true, outbox: store.outboxDepth() };
      },
      ports: () => ({ "/dev/ttyUSB0": "open", "/dev/ttyUSB1": "closed" }),
      upstream: () => ({ connected: false, forwarded: 0 }),
    },
    log: createLogger("silent"),
    access: { users: [], demo: true },
    startedAt: Date.now() - 42_000,
  });
  base = `http://127.0.0.1:${http.port}`;
});

afterAll(async () => {
  await http.close();
  cleanup();
});

describe("GET /healthz", () => {
  it("is 200 with uptime, broker, ports, store and upstream while broker and store are well", async () => {
    const { status, body, headers } = await getJson(base, "/healthz");
    expect(status).toBe(200);
    expect(headers.get("content-type")).toMatch(/^application\/json/);
    expect(body).toMatchObject({
      status: "ok",
      broker: { ok: true, port: 1883 },
      store: { ok: true, outbox: { rows: 14, alarms: 1 } },
      ports: { "/dev/ttyUSB0": "open", "/dev/ttyUSB1": "closed" },
      upstream: { connected: false },
    });
    expect(body.uptime).toBeGreaterThanOrEqual(42);
    expect(body.uptime).toBeLessThan(60);
  });

  it("is 503 with the failing component's error when the store is unhealthy", async () => {
    storeOk = false;
    try {
      const { status, body } = await getJson(base, "/healthz");
      expect(status).toBe(503);
      expect(body).toMatchObject({ status: "unhealthy", broker: { ok: true }, store: { ok: false, error: "SQLITE_IOERR: disk I/O error" } });
    } finally {
      storeOk = true;
    }
  });
});

describe("GET /api/devices", () => {
  it("lists the registry with each device's health and never its key", async () => {
    const res = await fetch(`${base}/api/devices`);
    const text = await res.text();
    for (const key of Object.values(KEYS)) expect(text.toLowerCase()).not.toContain(key);
    expect(text).not.toMatch(/"key/i);
    const { devices } = JSON.parse(text) as { devices: Array<Record<string, unknown>> };
    expect(devices.map((d) => d.id)).toEqual([101, 102, 103]);
    expect(devices[0]).toMatchObject({
      role: "loop", site: "smg-pemuda-01", name: "Jl. Pemuda loop station", road: "Jl. Pemuda",
      location: { type: "Point", coordinates: [110.4145, -6.9812] }, lanes: [{ lane: 0, direction: "forward" }, { lane: 1, direction: "forward" }],
      health: { online: true, batteryVoltage: 12.48, rssi: -97, snr: 5.5, queueDepth: 2, framesReceived: 1, expectedInterval: 60 },
    });
    expect(devices[2]).toMatchObject({ flood: { referenceLevelM: 4.2 }, health: { state: "unknown", lastSeen: null } });
  });

  it("shows one device, 404 for one not in the registry, 400 for a malformed id", async () => {
    expect(await getJson(base, "/api/devices/102")).toMatchObject({ status: 200, body: { id: 102, sign: { speedLimitKmh: 40 } } });
    expect(await getJson(base, "/api/devices/999")).toMatchObject({ status: 404, body: { error: "no device 999 in the fleet registry" } });
    expect(await getJson(base, "/api/devices/1x")).toMatchObject({ status: 400, body: { error: 'device id must be a positive integer, got "1x"' } });
  });
});

describe("GET /api/devices/:id/readings", () => {
  it("returns a device's readings in a time range, oldest first, payloads as JSON", async () => {
    const from = new Date(T0 + 2 * MINUTE).toISOString();
    const to = new Date(T0 + 5 * MINUTE).toISOString();
    const { status, body } = await getJson(base, `/api/devices/101/readings?from=${from}&to=${to}`);
    expect(status).toBe(200);
    expect(body.count).toBe(4);
    const readings = body.readings as Array<Record<string, unknown>>;
    expect(readings.map((r) => r.seq)).toEqual([2, 3, 4, 5]);
    expect(readings[0]).toEqual({
      boot: 1, seq: 2, type: "loopInterval", kind: "traffic", topic: "pantau/v1/smg-pemuda-01/101/traffic", alarm: false,
      observedAt: "2026-11-23T03:02:00.000Z", receivedAt: "2026-11-23T03:02:00.250Z",
      payload: { id: "urn:test:101:traffic", messageId: "urn:test:101:1:2", deviceId: 101, seq: 2 },
    });
  });

  it("filters by kind, limits, orders newest first, and takes zone offsets", async () => {
    const alarms = await getJson(base, "/api/devices/101/readings?kind=alarm");
    expect((alarms.body.readings as Array<{ seq: number }>).map((r) => r.seq)).toEqual([10]);
    const latest = await getJson(base, "/api/devices/101/readings?order=desc&limit=3");
    expect((latest.body.readings as Array<{ seq: number }>).map((r) => r.seq)).toEqual([10, 9, 8]);
    // 10:07+07:00 is 03:07Z
    const local = await getJson(base, `/api/devices/101/readings?from=${encodeURIComponent("2026-11-23T10:07:00+07:00")}`);
    expect((local.body.readings as Array<{ seq: number }>).map((r) => r.seq)).toEqual([7, 8, 9, 10]);
    const other = await getJson(base, "/api/devices/103/readings");
    expect(other.body.count).toBe(3);
  });

  it.each([
    ["from=yesterday", /"from" must be an ISO 8601 date-time with a zone/],
    ["from=2026-11-23T03:00:00", /"from" must be an ISO 8601 date-time with a zone/],
    ["to=2026-02-30T00:00:00Z", /"to" must be an ISO 8601 date-time/],
    ["from=2026-11-23T04:00:00Z&to=2026-11-23T03:00:00Z", /"from" \(2026-11-23T04:00:00Z\) is after "to"/],
    ["kind=weather", /"kind" must be one of traffic, speed, flood, alarm, status, got "weather"/],
    ["limit=0", /"limit" must be an integer from 1 to 10000, got "0"/],
    ["limit=ten", /"limit" must be an integer from 1 to 10000/],
    ["limit=10001", /"limit" must be an integer from 1 to 10000/],
    ["limit=2.5", /"limit" must be an integer/],
    ["order=random", /"order" must be asc or desc/],
    ["since=2026-11-23T03:00:00Z", /unknown parameter "since"; allowed: from, to, kind, limit, order/],
    ["kind=traffic&kind=alarm", /parameter "kind" given more than once/],
  ])("refuses ?%s with 400 and says why", async (query, message) => {
    const { status, body } = await getJson(base, `/api/devices/101/readings?${query}`);
    expect(status).toBe(400);
    expect(body.error).toMatch(message);
  });

  it("is 404 for a device not in the registry", async () => {
    expect((await getJson(base, "/api/devices/404/readings")).status).toBe(404);
  });
});

describe("GET /api/devices/:id/rejections", () => {
  it("shows an authentic unit's refused frames by reason, newest first", async () => {
    rejections.add({ reason: "replay", source: "/dev/ttyUSB0", deviceId: 101 }, T0);
    rejections.add({ reason: "range", source: "/dev/ttyUSB0", deviceId: 101 }, T0 + MINUTE);
    const { status, body } = await getJson(base, "/api/devices/101/rejections");
    expect(status).toBe(200);
    expect(body).toEqual({
      deviceId: 101,
      byReason: { replay: 1, range: 1 },
      recent: [
        { at: "2026-11-23T03:01:00.000Z", reason: "range", source: "/dev/ttyUSB0" },
        { at: "2026-11-23T03:00:00.000Z", reason: "replay", source: "/dev/ttyUSB0" },
      ],
    });
    expect(await getJson(base, "/api/devices/102/rejections")).toMatchObject({ status: 200, body: { byReason: {}, recent: [] } });
  });
});

describe("GET /api/commands/:id", () => {
  it("shows a command with its state and times", async () => {
    const { status, body } = await getJson(base, `/api/commands/${commandId}`);
    expect(status).toBe(200);
    expect(body).toEqual({
      id: commandId, deviceId: 102, command: { set: { speedLimitKmh: 30 } }, state: "queued", detail: null,
      createdAt: "2026-11-23T03:00:00.000Z", expiresAt: "2026-11-23T04:00:00.000Z", updatedAt: "2026-11-23T03:00:00.000Z",
    });
  });

  it("is 404 for an unknown id and 400 for a malformed one", async () => {
    expect(await getJson(base, "/api/commands/9999")).toMatchObject({ status: 404, body: { error: "no command 9999" } });
    expect((await getJson(base, "/api/commands/-1")).status).toBe(400);
    expect((await getJson(base, "/api/commands/%E0%A4%A")).status).toBe(400);
  });
});

describe("everything else", () => {
  it("is 404 for unknown paths, 405 for other methods, and /metrics 404 when metrics are off", async () => {
    expect(await getJson(base, "/api/nothing")).toMatchObject({ status: 404, body: { error: "no such resource: /api/nothing" } });
    const post = await getJson(base, "/api/devices", { method: "POST", body: "{}" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET");
    expect((await getJson(base, "/metrics")).status).toBe(404);
  });
});
