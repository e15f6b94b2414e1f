// What `pantau gateway` and `pantau demo` share: start, report where everything is and what to try
// next, and stop cleanly on Ctrl-C or a service manager's SIGTERM.

import type { GatewayConfig } from "../config.js";
import type { Gateway } from "../gateway.js";
import type { Logger } from "../log.js";
import { explainListenError, type PortOptions } from "./errors.js";

export interface Served {
  gateway: Gateway;
  stop(): Promise<void>;
}

export async function serve(config: GatewayConfig, log: Logger, ports: PortOptions, start: () => Promise<Served>, next: (mqttUrl: string) => string): Promise<void> {
  let served: Served;
  try {
    served = await start();
  } catch (err) {
    throw explainListenError(err, config, ports);
  }
  const { gateway } = served;
  const mqtt = `mqtt://${config.mqtt.host}:${gateway.broker.port}`;
  const http = `http://${config.http.host}:${gateway.http?.port ?? config.http.port}`;
  const roles = new Map<string, number>();
  for (const d of gateway.registry.all()) roles.set(d.role, (roles.get(d.role) ?? 0) + 1);
  const waiting = gateway.registry.awaitingKey.map((e) => e.id);
  const devices = ([...roles].map(([role, n]) => `${n} ${role}`).join(", ") || "none in service") +
    (waiting.length ? ` (${waiting.join(", ")} listed without a key: provision them with pantau provision)` : "");
  log.info(
    { mqtt, http, devices: gateway.registry.all().length, ports: config.serial.map((s) => s.path) },
    `ready: MQTT ${mqtt}, HTTP ${http} (/healthz, /metrics, /api/devices), devices: ${devices}; next, try: ${next(mqtt)}`,
  );
  const stop = () => {
    served.stop().then(() => process.exit(0), (err: unknown) => {
      log.error({ err: (err as Error).message }, "stopping failed");
      process.exit(1);
    });
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
