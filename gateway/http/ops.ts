import type { FastifyInstance } from "fastify";
import type { GatewayMetrics } from "../metrics/metrics.js";
import { HttpError } from "./query.js";

/** One component's health for /healthz: `ok` decides, the rest is shown as is. */
export interface Check {
  ok: boolean;
  [detail: string]: unknown;
}

export interface Checks {
  /** 503 when not ok */
  broker: () => Check;
  /** 503 when not ok */
  store: () => Check;
  /** port -> state, shown only: a port without its device is not the gateway's failure */
  ports?: () => Record<string, string>;
  /** shown only: the outbox holds while upstream is away */
  upstream?: () => unknown;
}

/** /healthz for the supervisor and /metrics for Prometheus: open to all who reach the port, as before. */
export function registerOps(app: FastifyInstance, checks: Checks, startedAt: number, metrics?: Pick<GatewayMetrics, "text" | "contentType">): void {
  app.get("/healthz", async (_req, reply) => {
    const broker = run(checks.broker);
    const store = run(checks.store);
    const ok = broker.ok && store.ok;
    const body: Record<string, unknown> = {
      status: ok ? "ok" : "unhealthy",
      uptime: Math.round((Date.now() - startedAt) / 1000),
      broker,
      store,
      ports: checks.ports ? shown(checks.ports) : {},
    };
    if (checks.upstream) body.upstream = shown(checks.upstream);
    return reply.code(ok ? 200 : 503).send(body);
  });

  app.get("/metrics", async (_req, reply) => {
    if (!metrics) throw new HttpError(404, "metrics are not enabled");
    return reply.type(metrics.contentType).send(await metrics.text());
  });
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
