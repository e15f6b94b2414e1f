import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { DeviceHealth } from "../health/device-health.js";
import type { Logger } from "../log.js";
import type { GatewayMetrics } from "../metrics/metrics.js";
import type { Device, Registry } from "../registry/registry.js";
import type { Store, StoredCommand, StoredReading } from "../store/store.js";
import { HttpError, parseId, parseReadingsQuery } from "./query.js";

export interface HttpOptions {
  /** default 127.0.0.1: the API shows the fleet's locations, so it is not public unless configured */
  host?: string;
  /** default 8080; 0 picks a free port */
  port?: number;
}

/** One component's health for /healthz: `ok` decides, the rest is shown as is. */
export interface Check {
  ok: boolean;
  [detail: string]: unknown;
}

export interface HttpDeps {
  registry: Pick<Registry, "all" | "get">;
  store: Pick<Store, "history" | "command">;
  health?: Pick<DeviceHealth, "snapshot">;
  metrics?: Pick<GatewayMetrics, "text" | "contentType">;
  checks: {
    /** 503 when not ok */
    broker: () => Check;
    /** 503 when not ok */
    store: () => Check;
    /** port -> state, shown only: a port without its device is not the gateway's failure */
    ports?: () => Record<string, string>;
    /** shown only: the outbox holds while upstream is away */
    upstream?: () => unknown;
  };
  log: Logger;
  /** epoch ms the gateway started; default: when the server started */
  startedAt?: number;
}

export interface RunningHttp {
  port: number;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body: unknown;
  /** a ready text body (the metrics exposition) instead of JSON */
  text?: { contentType: string };
}

type Handler = (params: string[], query: URLSearchParams) => Reply | Promise<Reply>;

/**
 * The gateway's HTTP side: /healthz for the supervisor, /metrics for Prometheus, and a read-only
 * query API for the command center and field crews. GET only; every answer is JSON except /metrics.
 */
export async function startHttp(opts: HttpOptions, deps: HttpDeps): Promise<RunningHttp> {
  const startedAt = deps.startedAt ?? Date.now();
  const routes: Array<[RegExp, Handler]> = [
    [/^\/healthz$/, () => healthz(deps, startedAt)],
    [/^\/metrics$/, () => metrics(deps)],
    [/^\/api\/devices$/, () => ({ status: 200, body: { devices: deps.registry.all().map((d) => deviceView(d, deps)) } })],
    [/^\/api\/devices\/([^/]+)$/, ([id]) => ({ status: 200, body: deviceView(knownDevice(deps, id!), deps) })],
    [/^\/api\/devices\/([^/]+)\/readings$/, ([id], query) => readings(deps, id!, query)],
    [/^\/api\/commands\/([^/]+)$/, ([id]) => command(deps, id!)],
  ];

  const server = createServer((req, res) => {
    handle(req, routes)
      .catch((err: unknown) => {
        if (err instanceof HttpError) return { status: err.status, body: { error: err.message } };
        deps.log.error({ url: req.url, err: (err as Error).message }, "http request failed");
        return { status: 500, body: { error: "internal error" } };
      })
      .then((reply) => send(res, reply));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 8080, opts.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  deps.log.info({ host: opts.host ?? "127.0.0.1", port }, "http listening");
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(req: IncomingMessage, routes: Array<[RegExp, Handler]>): Promise<Reply> {
  const url = new URL(req.url ?? "/", "http://gateway");
  for (const [pattern, handler] of routes) {
    const m = pattern.exec(url.pathname);
    if (!m) continue;
    if (req.method !== "GET") throw new HttpError(405, `${req.method ?? "?"} not allowed; use GET`);
    return handler(m.slice(1).map(decodeSegment), url.searchParams);
  }
  throw new HttpError(404, `no such resource: ${url.pathname}`);
}

function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, `malformed path segment "${raw}"`);
  }
}

function send(res: ServerResponse, reply: Reply): void {
  const body = reply.text ? String(reply.body) : JSON.stringify(reply.body);
  res.statusCode = reply.status;
  res.setHeader("content-type", reply.text?.contentType ?? "application/json; charset=utf-8");
  res.setHeader("cache-control", "no-store");
  if (reply.status === 405) res.setHeader("allow", "GET");
  res.end(body);
}

/** A component check that throws counts as failed, with its message. */
function run(check: () => Check): Check {
  try {
    return check();
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** An informational part of /healthz: its failure is shown, not fatal. */
function shown(read: () => unknown): unknown {
  try {
    return read();
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function healthz(deps: HttpDeps, startedAt: number): Reply {
  const broker = run(deps.checks.broker);
  const store = run(deps.checks.store);
  const ok = broker.ok && store.ok;
  const body: Record<string, unknown> = {
    status: ok ? "ok" : "unhealthy",
    uptime: Math.round((Date.now() - startedAt) / 1000),
    broker,
    store,
    ports: deps.checks.ports ? shown(deps.checks.ports) : {},
  };
  if (deps.checks.upstream) body.upstream = shown(deps.checks.upstream);
  return { status: ok ? 200 : 503, body };
}

async function metrics(deps: HttpDeps): Promise<Reply> {
  if (!deps.metrics) throw new HttpError(404, "metrics are not enabled");
  return { status: 200, body: await deps.metrics.text(), text: { contentType: deps.metrics.contentType } };
}

function knownDevice(deps: HttpDeps, raw: string): Device {
  const id = parseId("device id", raw);
  const device = deps.registry.get(id);
  if (!device) throw new HttpError(404, `no device ${id} in the fleet registry`);
  return device;
}

/** A registry entry for the API: fields listed one by one, so key material can never slip in. */
function deviceView(d: Device, deps: HttpDeps): Record<string, unknown> {
  return {
    id: d.id,
    role: d.role,
    site: d.site,
    name: d.name,
    location: d.location,
    road: d.road,
    direction: d.direction,
    lanes: d.lanes,
    reportIntervalS: d.reportIntervalS,
    flood: d.flood,
    sign: d.sign,
    health: deps.health?.snapshot(d.id) ?? null,
  };
}

function readings(deps: HttpDeps, rawId: string, params: URLSearchParams): Reply {
  const device = knownDevice(deps, rawId);
  const q = parseReadingsQuery(params);
  const rows = deps.store.history({ ...q, deviceId: device.id });
  return { status: 200, body: { deviceId: device.id, count: rows.length, readings: rows.map(readingView) } };
}

function readingView(r: StoredReading): Record<string, unknown> {
  return {
    boot: r.boot,
    seq: r.seq,
    type: r.type,
    kind: r.kind,
    topic: r.topic,
    alarm: r.alarm,
    observedAt: new Date(r.observedAt).toISOString(),
    receivedAt: new Date(r.receivedAt).toISOString(),
    payload: JSON.parse(r.payload) as unknown,
  };
}

function command(deps: HttpDeps, rawId: string): Reply {
  const id = parseId("command id", rawId);
  const c = deps.store.command(id);
  if (!c) throw new HttpError(404, `no command ${id}`);
  return { status: 200, body: commandView(c) };
}

function commandView(c: StoredCommand): Record<string, unknown> {
  return {
    id: c.id,
    deviceId: c.deviceId,
    command: JSON.parse(c.command) as unknown,
    state: c.state,
    detail: c.detail,
    createdAt: new Date(c.createdAt).toISOString(),
    expiresAt: new Date(c.expiresAt).toISOString(),
    updatedAt: new Date(c.updatedAt).toISOString(),
  };
}
