// The gateway as a user runs it: `pantau gateway --config <file>` in its own process, with a
// registry and a keys file, the store at its defaults (FULL sync), acks, health, and an MQTT user
// with a password that the bench's subscriber logs in as.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import mqtt, { type MqttClient } from "mqtt";
import { hashPassword } from "../gateway/security/scrypt.js";
import type { Fleet } from "./fleet.js";
import { start, type Running } from "./process.js";

const CLI = fileURLToPath(new URL("../gateway/cli.js", import.meta.url));
const USER = "bench";
const PASSWORD = "bench-subscriber-password";

export interface GatewayProcess extends Running {
  /** where its MQTT broker listens */
  mqttUrl: string;
  /** the store file, for the disk figure once stopped */
  storeFile: string;
  subscribe(topic: string): Promise<MqttClient>;
}

/** Writes a config for `fleet` reading `serialPath` under `dir`, and starts the CLI on it; extra node flags (a profiler, a probe) go in `nodeArgs`, and what they read from the environment in `env`. */
export async function startGateway(dir: string, fleet: Fleet, serialPath: string, nodeArgs: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<GatewayProcess> {
  const config = join(dir, "gateway.json");
  writeFileSync(config, JSON.stringify({
    registry: fleet.registryFile,
    keys: fleet.keysFile,
    dataDir: join(dir, "data"),
    logLevel: "info",
    mqtt: { host: "127.0.0.1", port: 0 },
    http: { host: "127.0.0.1", port: 0 },
    serial: [{ path: serialPath }],
    security: { users: [{ username: USER, role: "command-center", passwordHash: await hashPassword(PASSWORD) }] },
  }));
  const running = await start("pantau gateway", [...nodeArgs, CLI, "gateway", "--config", config], env, /"mqtt":"(mqtt:\/\/[^"]+)"[^\n]*ready/);
  const mqttUrl = running.ready[1]!;
  return {
    ...running, mqttUrl, storeFile: join(dir, "data", "pantau.db"),
    subscribe: async (topic) => {
      const sub = await mqtt.connectAsync(mqttUrl, { username: USER, password: PASSWORD, reconnectPeriod: 0 });
      await sub.subscribeAsync(topic, { qos: 1 });
      return sub;
    },
  };
}
