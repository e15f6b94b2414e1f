// Errors a person can act on: what failed, and the option or step that fixes it.

import type { GatewayConfig } from "../config.js";

/** A failure the CLI reports in one line (no stack), with what to do about it. */
export class CliError extends Error {
  override name = "CliError";
  constructor(message: string, readonly hint?: string, readonly exitCode = 1) {
    super(message);
  }
}

/** Where each listener's port comes from, so a busy port can be moved. */
export interface PortOptions {
  mqtt: string;
  http: string;
}

interface ListenError extends Error {
  code?: string;
  port?: number;
  address?: string;
}

/** Turns a listen error (busy port, no permission, no such address) into what failed and how to move it. */
export function explainListenError(err: unknown, config: GatewayConfig, options: PortOptions): unknown {
  const e = err as ListenError;
  if (!(e instanceof Error) || !["EADDRINUSE", "EACCES", "EADDRNOTAVAIL"].includes(e.code ?? "")) return err;
  const listeners = [
    { what: "MQTT", port: config.mqtt.port, fix: options.mqtt },
    { what: "HTTP", port: config.http.port, fix: options.http },
    ...(config.security.tls ? [{ what: "MQTT over TLS", port: config.security.tls.port, fix: "security.tls.port in the config" }] : []),
    ...(config.security.ws ? [{ what: "MQTT over WebSocket", port: config.security.ws.port, fix: "security.ws.port in the config" }] : []),
  ];
  const listener = listeners.find((l) => l.port === e.port) ?? { what: "a listener", port: e.port, fix: "the config" };
  const at = `${e.address ?? "?"}:${e.port ?? "?"}`;
  const why = e.code === "EADDRINUSE"
    ? `${listener.what} port ${at} is already in use (another pantau, or another broker or web server)`
    : e.code === "EACCES"
      ? `${listener.what} port ${at} needs privileges (ports below 1024 are for root)`
      : `${listener.what} address ${e.address ?? "?"} is not an address of this machine`;
  return new CliError(why, `choose another with ${listener.fix}`);
}
