import type { Command } from "commander";
import type { GatewayConfig } from "../config.js";
import { positive, tcpPort } from "./options.js";

export function demoCommand(program: Command): void {
  program
    .command("demo")
    .description("run the gateway with its embedded broker and a simulated fleet of every role (what `pantau` alone does)")
    .option("--mqtt-port <port>", "MQTT port", tcpPort, 1883)
    .option("--mqtt-host <host>", "MQTT listen address", "127.0.0.1")
    .option("--http-port <port>", "HTTP port for /healthz, /metrics and the API", tcpPort, 8080)
    .option("--speed <factor>", "run simulated time this many times faster than real time (the gateway's clock and the units' run ahead together)", positive, 1)
    .option("-c, --config <file>", "a gateway config (JSON) for users and limits; the fleet, ports and store are the demo's own")
    .action(async (opts: { mqttPort: number; mqttHost: string; httpPort: number; speed: number; config?: string }) => {
      const [{ loadConfig, resolveConfig }, { runDemo }, { createLogger }, { serve }] = await Promise.all([
        import("../config.js"), import("../demo/demo.js"), import("../log.js"), import("./serve.js"),
      ]);
      const base = opts.config ? loadConfig(opts.config) : resolveConfig({}, process.cwd());
      const config: GatewayConfig = { ...base, mqtt: { host: opts.mqttHost, port: opts.mqttPort }, http: { ...base.http, port: opts.httpPort }, serial: [] };
      const log = createLogger(config.logLevel);
      await serve(config, log, { mqtt: "--mqtt-port", http: "--http-port" }, () => runDemo(config, log, { speed: opts.speed }),
        (mqtt) => `pantau watch --mqtt ${mqtt}   (or pantau commission --device 2003 --mqtt ${mqtt})`);
    });
}
