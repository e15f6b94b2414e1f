import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROLES } from "../../firmware/roles/index.js";
import { startSimDevice, type SimDevice } from "../../firmware/sim/run-device.js";
import { advanceTogether, SimAir } from "../../firmware/sim/sim-air.js";
import { MemoryStorage, SimPlatform } from "../../firmware/sim/sim-platform.js";
import type { GatewayConfig } from "../config.js";
import { Gateway } from "../gateway.js";
import type { Logger } from "../log.js";
import { Registry } from "../registry/registry.js";
import { refuseExposedDemo } from "../security/config.js";
import { demoFleet, type DemoUnit } from "./fleet.js";
import { attachLoopTraffic, attachPressureGauge, attachRadar, attachRanger } from "./physics.js";
import { SimLink } from "./sim-link.js";

export interface DemoOptions {
  /** simulated seconds per real second */
  speed: number;
  /** real milliseconds between simulation steps */
  tickMs?: number;
}

export interface RunningDemo {
  gateway: Gateway;
  units: SimDevice[];
  stop(): Promise<void>;
}

/** Virtual-time step for boards that share the LoRa channel, so their clocks stay together. */
const LOCKSTEP_MS = 20;

/**
 * `pantau demo`: the real gateway with a simulated fleet running the real firmware (core and
 * role code) against scripted physics. Each run has a fresh store of its own, removed however the
 * run ends (stop, failed start, or the process exiting), because the simulated units boot with
 * fresh storage and a kept replay window would refuse them. The gateway's clock is the
 * simulation's: at `speed` 20 the units' clocks run 20 times faster, and acks from a gateway on
 * real time would set them back at every frame.
 */
export async function runDemo(config: GatewayConfig, log: Logger, options: DemoOptions): Promise<RunningDemo> {
  refuseExposedDemo(config.mqtt.host, config.security);
  const fleet = demoFleet();
  const dataDir = mkdtempSync(join(tmpdir(), "pantau-demo-"));
  const removeStore = () => rmSync(dataDir, { recursive: true, force: true });
  process.once("exit", removeStore);
  const registry = Registry.parse({ devices: fleet.map((u) => u.entry) }, "demo fleet");
  const platforms: SimPlatform[] = [];
  const startedAt = Date.now();
  const clock = () => startedAt + (platforms[0]?.timeMs ?? 0);
  let gateway: Gateway;
  try {
    gateway = await Gateway.start({ ...config, dataDir }, registry, log, { demo: true, clock });
  } catch (err) {
    removeStore();
    process.off("exit", removeStore);
    throw err;
  }
  const air = new SimAir();
  const units: SimDevice[] = [];
  let bridgeLink: SimLink | undefined;
  for (const [index, unit] of fleet.entries()) {
    const platform = new SimPlatform(new MemoryStorage());
    platform.battery = unit.batteryMv;
    attachPhysics(platform, unit, 100 + index);
    platforms.push(platform);
    const link = unit.link === "serial"
      ? new SimLink(`sim:${unit.entry.role}-${unit.entry.id}`, unit.entry.role === "bridge" ? "relay" : "direct", gateway)
      : undefined;
    const device = startSimDevice({
      platform,
      identity: { deviceId: unit.entry.id, key: registry.get(unit.entry.id)!.keyBytes, role: unit.entry.role },
      roles: ROLES,
      settings: unit.settings,
      link: unit.link,
      ...(unit.entry.role === "bridge" || unit.link === "lora" ? { air, radio: { rssiDbm: unit.link === "lora" ? -108 : -40, snrDb10: 45 } } : {}),
      ...(link ? { onHostWrite: (bytes: Uint8Array) => link.receive(bytes) } : {}),
    });
    units.push(device);
    if (link) {
      link.connect(device);
      gateway.addLink(link);
      if (unit.entry.role === "bridge") bridgeLink = link;
    }
  }
  log.info({ units: units.length, speed: options.speed, dataDir, bridge: bridgeLink?.name }, "demo fleet running");

  const tickMs = options.tickMs ?? 100;
  let last = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    // at most a second of real time per step, so a stalled event loop does not jump hours
    const virtualMs = Math.round(Math.min(now - last, 1000) * options.speed);
    last = now;
    advanceTogether(platforms, virtualMs, LOCKSTEP_MS);
  }, tickMs);

  return {
    gateway,
    units,
    stop: async () => {
      clearInterval(timer);
      try {
        await gateway.stop();
        for (const u of units) u.stop();
      } finally {
        removeStore();
        process.off("exit", removeStore);
      }
    },
  };
}

function attachPhysics(platform: SimPlatform, unit: DemoUnit, seed: number): void {
  switch (unit.entry.role) {
    case "loop": return attachLoopTraffic(platform, seed);
    case "sign": return attachRadar(platform, seed);
    case "flood":
      if (unit.settings.sensorType === "pressure") return attachPressureGauge(platform, seed);
      return attachRanger(platform, seed, Number(unit.settings.referenceMm));
    case "bridge": return;
  }
}
