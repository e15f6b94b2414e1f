#!/usr/bin/env node
import { Command, InvalidArgumentError } from "commander";
import { loadConfig, resolveConfig, type GatewayConfig } from "./config.js";
import { runDemo } from "./demo/demo.js";
import { Gateway } from "./gateway.js";
import { createLogger } from "./log.js";
import { Registry } from "./registry/registry.js";
import { loadDeviceKeys } from "./security/device-keys.js";
import { runPasswd } from "./security/hash-password.js";

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("must be a TCP port number");
  return n;
}

function positive(value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError("must be a positive number");
  return n;
}

/** Stops cleanly on Ctrl-C or a service manager's SIGTERM. */
function stopOnSignal(stop: () => Promise<void>): void {
  const handler = () => {
    stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.once("SIGINT", handler);
  process.once("SIGTERM", handler);
}

const program = new Command("pantau")
  .description("Pantau: roadside sensor fleet gateway and field tools")
  .showHelpAfterError();

program
  .command("gateway")
  .description("run the gateway on real serial ports, as the config file says")
  .requiredOption("-c, --config <file>", "gateway config (JSON)")
  .option("--mqtt-port <port>", "override the MQTT port", port)
  .action(async (opts: { config: string; mqttPort?: number }) => {
    const config: GatewayConfig = loadConfig(opts.config);
    if (opts.mqttPort !== undefined) config.mqtt.port = opts.mqttPort;
    const log = createLogger(config.logLevel);
    const keys = config.keys ? loadDeviceKeys(config.keys) : undefined;
    const gateway = await Gateway.start(config, Registry.load(config.registry, keys), log);
    stopOnSignal(() => gateway.stop());
  });

program
  .command("passwd")
  .description("print an scrypt hash, for the config's security.users, of a password read from stdin")
  .action(() => runPasswd());

program
  .command("demo", { isDefault: true })
  .description("run the gateway with its embedded broker and a simulated fleet of every role")
  .option("--mqtt-port <port>", "MQTT port", port, 1883)
  .option("--mqtt-host <host>", "MQTT listen address", "127.0.0.1")
  .option("--http-port <port>", "HTTP port for /healthz, /metrics and the API", port, 8080)
  .option("--speed <factor>", "run simulated time this many times faster than real time (device clocks then run ahead)", positive, 1)
  .option("-c, --config <file>", "a gateway config (JSON) for users and limits; the fleet, ports and store are the demo's own")
  .action(async (opts: { mqttPort: number; mqttHost: string; httpPort: number; speed: number; config?: string }) => {
    const base = opts.config ? loadConfig(opts.config) : resolveConfig({}, process.cwd());
    const config: GatewayConfig = { ...base, mqtt: { host: opts.mqttHost, port: opts.mqttPort }, http: { ...base.http, port: opts.httpPort }, serial: [] };
    const log = createLogger(config.logLevel);
    const demo = await runDemo(config, log, { speed: opts.speed });
    stopOnSignal(() => demo.stop());
  });

program.parseAsync().catch((err: unknown) => {
  process.stderr.write(`pantau: ${(err as Error).message}\n`);
  process.exit(1);
});
