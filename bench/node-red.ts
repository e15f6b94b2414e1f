// The comparison: a Node-RED 4 flow doing the gateway's job without store or acks (flow and
// settings in bench/node-red/, see docs/benchmarks.md). Node-RED is not a project dependency:
// the bench installs it from npm into a folder under the OS temp folder, kept between runs.
// Its MQTT out node publishes to a Mosquitto broker of its own, where the subscriber listens.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import mqtt, { type MqttClient } from "mqtt";
import { freePort, Mosquitto } from "../tests/support/mosquitto.js";
import type { Fleet } from "./fleet.js";
import { start, type Running } from "./process.js";

const FLOW_DIR = fileURLToPath(new URL("../../bench/node-red/", import.meta.url));
export const NODE_RED_VERSION = "4.1.15";
const SERIAL_NODE = "node-red-node-serialport@2.0.3";
const CACHE = join(tmpdir(), `pantau-bench-node-red-${NODE_RED_VERSION}`);

/** Installs Node-RED and its serial node into the cache folder unless they are there already. */
export function installNodeRed(): string {
  const red = join(CACHE, "node_modules", "node-red", "red.js");
  if (existsSync(red) && existsSync(join(CACHE, "node_modules", "node-red-node-serialport"))) return red;
  mkdirSync(CACHE, { recursive: true });
  console.log(`installing Node-RED ${NODE_RED_VERSION} and ${SERIAL_NODE} into ${CACHE} (once; kept for later runs)`);
  execFileSync("npm", ["install", "--prefix", CACHE, "--no-audit", "--no-fund", "--no-save", `node-red@${NODE_RED_VERSION}`, SERIAL_NODE], { stdio: ["ignore", "ignore", "inherit"] });
  return red;
}

export interface NodeRedProcess extends Running {
  subscribe(topic: string): Promise<MqttClient>;
}

/** Starts Mosquitto, then Node-RED on the flow with the fleet, reading `serialPath`; ready once its MQTT node is connected. */
export async function startNodeRed(red: string, dir: string, fleet: Fleet, serialPath: string): Promise<NodeRedProcess> {
  const userDir = join(dir, "node-red");
  mkdirSync(userDir, { recursive: true });
  copyFileSync(join(FLOW_DIR, "flow.json"), join(userDir, "flows.json"));
  const broker = new Mosquitto(await freePort(), dir);
  await broker.start();
  const env = {
    PANTAU_PTY: serialPath, PANTAU_BROKER_PORT: String(broker.port), PANTAU_FLEET: fleet.registryFile, PANTAU_KEYS: fleet.keysFile,
    PANTAU_NODE_RED_PORT: String(await freePort()),
  };
  let running: Running;
  try {
    // ready when both its MQTT node is connected and its serial port is open, in either order
    running = await start("Node-RED", [red, "--userDir", userDir, "--settings", join(FLOW_DIR, "settings.cjs"), "flows.json"], env, /^(?=[\s\S]*Connected to broker)(?=[\s\S]*serial port \S+ opened)/);
  } catch (err) {
    await broker.stop();
    throw err;
  }
  return {
    ...running,
    subscribe: async (topic) => {
      const sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { reconnectPeriod: 0 });
      await sub.subscribeAsync(topic, { qos: 1 });
      return sub;
    },
    stop: async () => {
      await running.stop();
      await broker.stop();
    },
  };
}
