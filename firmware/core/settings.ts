// The settings the core itself reads, with their defaults and allowed ranges. Role settings live
// beside them in the same provisioned map; the role validates its own (Role.applySetting).

import type { Settings } from "../roles/role.js";

export type SettingValue = number | string | boolean;

interface NumberSetting {
  kind: "number";
  default: number;
  min: number;
  max: number;
  /** applied by a restart rather than live */
  restart?: boolean;
}

interface ChoiceSetting {
  kind: "choice";
  default: string;
  choices: readonly string[];
  restart?: boolean;
}

type CoreSetting = NumberSetting | ChoiceSetting;

export const CORE_SETTINGS = {
  /** how the unit reaches the gateway: the host serial port or LoRa through a bridge */
  link: { kind: "choice", default: "serial", choices: ["serial", "lora"], restart: true },
  /** host UART speed (console and serial link), 8N1 */
  baud: { kind: "number", default: 115200, min: 9600, max: 921600, restart: true },
  /** status frame period */
  statusS: { kind: "number", default: 300, min: 30, max: 86400 },
  /** how long a serial uplink waits for its ack */
  ackMs: { kind: "number", default: 2000, min: 100, max: 60000 },
  /** first resend delay after a missed ack; it doubles per miss up to retryMaxS */
  retryMs: { kind: "number", default: 2000, min: 100, max: 600000 },
  retryMaxS: { kind: "number", default: 300, min: 1, max: 3600 },
  /** uplink queue memory budget in bytes of encoded frames */
  queueBytes: { kind: "number", default: 16384, min: 1024, max: 65536, restart: true },
  /** LoRa: how long the receiver listens for an ack after each uplink */
  rxWindowMs: { kind: "number", default: 3000, min: 200, max: 30000 },
  /** LoRa: transmit duty-cycle budget in basis points (100 = 1 %) over a sliding hour */
  dutyBp: { kind: "number", default: 100, min: 1, max: 10000, restart: true },
  /** LoRa radio: spreading factor, bandwidth, carrier, power, sync word (see hardware/radio-plan.md) */
  sf: { kind: "number", default: 10, min: 7, max: 12, restart: true },
  bwHz: { kind: "number", default: 125000, min: 125000, max: 500000, restart: true },
  freqKhz: { kind: "number", default: 922000, min: 920000, max: 923000, restart: true },
  txDbm: { kind: "number", default: 14, min: 2, max: 20, restart: true },
  /** below this supply voltage the status frame carries Fault.lowBattery */
  lowBattMv: { kind: "number", default: 3400, min: 0, max: 60000 },
} as const satisfies Record<string, CoreSetting>;

export type CoreSettingName = keyof typeof CORE_SETTINGS;

export function isCoreSetting(name: string): name is CoreSettingName {
  return Object.prototype.hasOwnProperty.call(CORE_SETTINGS, name);
}

/** Why a value is refused for a core setting, or undefined when it is acceptable. */
export function checkCoreSetting(name: CoreSettingName, value: SettingValue): string | undefined {
  const spec: CoreSetting = CORE_SETTINGS[name];
  if (spec.kind === "choice") {
    return typeof value === "string" && spec.choices.includes(value) ? undefined : `${name} must be one of ${spec.choices.join("|")}`;
  }
  if (typeof value !== "number" || !Number.isInteger(value) || value < spec.min || value > spec.max) {
    return `${name} must be an integer in ${spec.min}..${spec.max}`;
  }
  return undefined;
}

export function needsRestart(name: CoreSettingName): boolean {
  const spec: CoreSetting = CORE_SETTINGS[name];
  return spec.restart === true;
}

/** A core number setting: the provisioned value when valid, else the default. */
export function numberSetting(settings: Settings, name: CoreSettingName): number {
  const value = settings[name];
  const spec: CoreSetting = CORE_SETTINGS[name];
  if (value !== undefined && checkCoreSetting(name, value) === undefined && typeof value === "number") return value;
  return spec.kind === "number" ? spec.default : 0;
}

export function linkSetting(settings: Settings): "serial" | "lora" {
  return settings.link === "lora" ? "lora" : "serial";
}

/** Defaults for every core setting, for the console's "get settings". */
export function coreDefaults(): Record<string, SettingValue> {
  const out: Record<string, SettingValue> = {};
  for (const name of Object.keys(CORE_SETTINGS) as CoreSettingName[]) out[name] = CORE_SETTINGS[name].default;
  return out;
}
