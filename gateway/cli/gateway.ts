import { existsSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import type { Command } from "commander";
import { tcpPort } from "./options.js";

/**
 * How far V8 lets the old space grow past what the last full collection kept, in percent. By
 * default it grows up to 4 times that when allocation runs fast: a fleet of 65,535 units heard at
 * once took the gateway from 190 to 550-600 MiB, most of it garbage in the old space. At 20 %
 * it peaked at 377 MiB, and the CPU a frame took at 1,000s a second did not rise (170-180 us
 * against 185-212, load 8-10).
 */
const HEAP_GROWING_PERCENT = 20;

export function gatewayCommand(program: Command): void {
  program
    .command("gateway")
    .description("run the gateway on real serial ports, as the config file says")
    .requiredOption("-c, --config <file>", "gateway config (JSON); examples/gateway.json is one to start from")
    .option("--mqtt-port <port>", "MQTT port, instead of the config's mqtt.port", tcpPort)
    .option("--http-port <port>", "HTTP port, instead of the config's http.port", tcpPort)
    .action(async (opts: { config: string; mqttPort?: number; httpPort?: number }) => {
      setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
      const [{ loadConfig }, { prefetch }] = await Promise.all([import("../config.js"), import("../registry/registry-cache.js")]);
      const config = loadConfig(opts.config);
      if (opts.mqttPort !== undefined) config.mqtt.port = opts.mqttPort;
      if (opts.httpPort !== undefined) config.http.port = opts.httpPort;
      // the fleet file as last checked, kept beside the store: a restart with the same file skips parsing and checking it
      const cache = join(config.dataDir, "registry.cache");
      // read (and the fleet hashed) on libuv's threads while the gateway's modules load on this one
      const fleet = prefetch(config.registry, cache);
      const [{ Gateway }, { createLogger }, { Registry }, { loadDeviceKeys }, { serve }] = await Promise.all([
        import("../gateway.js"), import("../log.js"), import("../registry/registry.js"), import("../security/device-keys.js"), import("./serve.js"),
      ]);
      const log = createLogger(config.logLevel);
      // a keys file that does not exist yet is the first provisioning's to create
      const keys = config.keys && existsSync(config.keys) ? loadDeviceKeys(config.keys) : undefined;
      const registry = Registry.load(config.registry, keys, cache, await fleet);
      await serve(config, log, { mqtt: "--mqtt-port (or mqtt.port in the config)", http: "--http-port (or http.port in the config)" }, async () => {
        const gateway = await Gateway.start(config, registry, log);
        return { gateway, stop: () => gateway.stop() };
      }, (mqtt) => `pantau watch --mqtt ${mqtt} --user <name>`);
    });
}
