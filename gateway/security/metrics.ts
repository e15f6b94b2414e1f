import { Counter, Gauge, type Registry } from "prom-client";
import { CLOSE_REASONS, REFUSAL_REASONS, type SecurityStats } from "./security.js";

/** Exposes the broker's security counters, read from its live stats on each scrape. */
export function registerSecurityMetrics(registry: Registry, stats: SecurityStats): void {
  const registers = [registry];
  new Counter({
    name: "pantau_mqtt_refused_total",
    help: "MQTT logins refused, by reason (credentials: wrong password or user; backoff: refused unchecked after repeated failures; busy: too many password checks in progress)",
    labelNames: ["reason"],
    registers,
    collect() {
      for (const reason of REFUSAL_REASONS) setCounter(this, { reason }, stats.refused[reason]);
    },
  });
  new Counter({
    name: "pantau_mqtt_closed_total",
    help: "MQTT connections the broker closed, by reason (oversize: a packet over maxPacketBytes; pendingEvicted: crowded out before logging in; connectTimeout: no login in time)",
    labelNames: ["reason"],
    registers,
    collect() {
      for (const reason of CLOSE_REASONS) setCounter(this, { reason }, stats.closed[reason]);
    },
  });
  new Gauge({
    name: "pantau_mqtt_pending_connections",
    help: "MQTT connections open that have not logged in",
    registers,
    collect() {
      this.set(stats.pending());
    },
  });
  new Gauge({
    name: "pantau_mqtt_connections",
    help: "Authenticated MQTT connections open",
    registers,
    collect() {
      this.set(stats.connections());
    },
  });
}

/** prom-client counters only go up by inc(); these mirror a running total kept elsewhere. */
function setCounter(counter: Counter<"reason">, labels: { reason: string }, total: number): void {
  counter.remove(labels);
  counter.inc(labels, total);
}
