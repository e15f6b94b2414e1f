import { Aedes } from "aedes";
import type { Logger } from "../log.js";
import type { SecurityConfig } from "../security/config.js";
import { startListeners } from "../security/listeners.js";
import { attachSecurity, type SecurityStats } from "../security/security.js";

export interface BrokerOptions {
  mqtt: { host: string; port: number };
  security: SecurityConfig;
  /** demo mode lets anonymous clients in, from loopback only */
  demo: boolean;
}

export interface RunningBroker {
  aedes: Aedes;
  /** the bound TCP port, useful when 0 asked the OS for a free one */
  port: number;
  security: SecurityStats;
  close(): Promise<void>;
}

/** The embedded aedes broker with authentication, topic ACLs and rate limits, on its listeners. */
export async function startBroker(opts: BrokerOptions, log: Logger): Promise<RunningBroker> {
  const aedes = await Aedes.createBroker({ id: "pantau-gateway" });
  const security = attachSecurity(aedes, opts.security, { demo: opts.demo, log });
  aedes.on("clientError", (client, err) => log.debug({ client: client.id, err: err.message }, "mqtt client error"));
  const listeners = await startListeners(aedes, { ...opts.mqtt, tls: opts.security.tls, ws: opts.security.ws }, log);
  log.info({ host: opts.mqtt.host, ...listeners.ports, demo: opts.demo }, "mqtt broker listening");
  return {
    aedes,
    port: listeners.ports.tcp,
    security,
    close: async () => {
      await listeners.close();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    },
  };
}
