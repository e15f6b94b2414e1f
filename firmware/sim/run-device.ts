// Runs a whole unit (main.ts's boot with the real core and role) on a SimPlatform: the gateway
// demo and the tests provision it like a technician would (identity and settings in its storage),
// then talk to its host port through a serial peer, or to its radio through a SimAir.

import type { Storage } from "../platform/platform.js";
import type { CoreRoleFactory, Device } from "../core/device.js";
import { loadSettings, saveIdentity, saveSettings, type Identity } from "../core/identity.js";
import type { SettingValue } from "../core/settings.js";
import { boot, HOST_PORT, type BootResult, type RoleRegistry } from "../main.js";
import { MemoryStorage, SimPlatform, type SerialPeer } from "./sim-platform.js";
import type { SimAir, SimRadioOptions } from "./sim-air.js";

export interface SimDeviceOptions {
  /** defaults to a new SimPlatform on `storage` */
  platform?: SimPlatform;
  /** persistent storage; reuse it to simulate a restart of the same unit */
  storage?: Storage;
  identity: Identity;
  /** the role's firmware, or omit it and pass `roles` to pick by identity.role */
  role?: CoreRoleFactory;
  roles?: RoleRegistry;
  /** provisioned settings, merged over what the storage already holds */
  settings?: Readonly<Record<string, SettingValue>>;
  link: "serial" | "lora";
  /** the channel a LoRa unit (or a bridge) transmits on */
  air?: SimAir;
  radio?: SimRadioOptions;
  /** bytes the unit writes on its host port (SLIP frames: status, reports, console, relay records) */
  onHostWrite?: (bytes: Uint8Array) => void;
}

export interface SimDevice {
  platform: SimPlatform;
  boot: BootResult;
  device: Device;
  /** the other end of the unit's host UART */
  host: SerialPeer;
  /** stops the unit's core and role (its storage survives for a restart) */
  stop(): void;
}

export function startSimDevice(options: SimDeviceOptions): SimDevice {
  const platform = options.platform ?? new SimPlatform(options.storage ?? new MemoryStorage());
  if (options.storage && options.storage !== platform.storage) throw new Error("storage differs from the platform's storage");
  provision(platform.storage, options);
  if (options.air && !platform.radio) options.air.attach(platform, options.radio);
  if (options.link === "lora" && !platform.radio) throw new Error("a LoRa unit needs a radio: pass `air`");
  const host = platform.serialPeer(HOST_PORT, options.onHostWrite);
  const roles: RoleRegistry = options.roles ?? (options.role ? { [options.identity.role]: options.role } : {});
  const booted = boot(platform, roles);
  const device = booted.device;
  if (!device) throw new Error("the unit did not boot provisioned");
  return {
    platform,
    boot: booted,
    device,
    host,
    stop: () => {
      device.stop();
      booted.host.close();
    },
  };
}

/** Writes identity and settings the way the console would. */
function provision(storage: Storage, options: SimDeviceOptions): void {
  saveIdentity(storage, options.identity);
  saveSettings(storage, { ...loadSettings(storage), ...options.settings, link: options.link });
}
