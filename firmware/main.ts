// Boots a unit on any platform (Moddable on the device, SimPlatform in tests and the demo): reads
// identity and settings from persistent storage, raises the boot counter, and starts the core
// with the provisioned role. An unprovisioned unit starts only the console. The device entry
// (firmware/entry.ts) calls boot() with the Moddable platform and every role.

import type { RoleName } from "../shared/messages.js";
import type { Platform } from "./platform/platform.js";
import { Console } from "./core/console.js";
import { Device, type CoreRoleFactory } from "./core/device.js";
import { DutyBudget } from "./core/duty-cycle.js";
import { HostPort } from "./core/host-port.js";
import { loadIdentity, loadSettings, raiseBoot, type Identity } from "./core/identity.js";
import { LoRaUplink, SerialUplink, type UplinkLink } from "./core/link.js";
import { linkSetting, numberSetting } from "./core/settings.js";
import type { Settings } from "./roles/role.js";

/** The platform port name of the host UART (USB on the dev boards). */
export const HOST_PORT = "host";

export type RoleRegistry = Readonly<Partial<Record<RoleName, CoreRoleFactory>>>;

export interface BootResult {
  host: HostPort;
  console: Console;
  /** undefined on an unprovisioned unit */
  device: Device | undefined;
  identity: Identity | undefined;
}

export function boot(platform: Platform, roles: RoleRegistry): BootResult {
  const storage = platform.storage;
  const settings = loadSettings(storage);
  const host = new HostPort(platform, HOST_PORT, numberSetting(settings, "baud"));
  const identity = loadIdentity(storage);
  if (!identity) {
    platform.trace("unprovisioned: console only");
    return { host, console: new Console(platform, host), device: undefined, identity };
  }
  const device = new Device({ platform, identity, settings, boot: raiseBoot(storage), host, link: createLink(platform, host, settings) });
  const console = new Console(platform, host, device);
  device.start(roles[identity.role]);
  return { host, console, device, identity };
}

function createLink(platform: Platform, host: HostPort, settings: Settings): UplinkLink {
  if (linkSetting(settings) === "lora") {
    if (platform.radio) {
      const budget = new DutyBudget({ dutyCycle: numberSetting(settings, "dutyBp") / 10000 });
      return new LoRaUplink(platform, platform.radio, budget, numberSetting(settings, "rxWindowMs"));
    }
    platform.trace("link=lora but this board has no radio: using the serial link");
  }
  return new SerialUplink(host, numberSetting(settings, "ackMs"));
}
