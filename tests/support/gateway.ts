import { resolveConfig } from "../../gateway/config.js";
import { Gateway } from "../../gateway/gateway.js";
import { createLogger } from "../../gateway/log.js";
import { Registry, type DeviceEntry } from "../../gateway/registry/registry.js";
import { TEST_DEVICES } from "./fleet.js";
import { tempDir } from "./temp.js";

type FileConfig = Parameters<typeof resolveConfig>[0];

/** An in-process gateway on free MQTT and HTTP ports with its store in a fresh temp folder. */
export async function startTestGateway(file: FileConfig = {}, dataDir = tempDir("pantau-gw-"), devices: DeviceEntry[] = TEST_DEVICES): Promise<Gateway> {
  // free ports for MQTT and HTTP: test files run in parallel processes
  const config = resolveConfig({ mqtt: { port: 0 }, http: { port: 0 }, ...file, dataDir }, process.cwd());
  return Gateway.start(config, Registry.parse({ devices }, "test registry"), createLogger("silent"), { demo: true });
}
