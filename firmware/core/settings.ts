// The settings the core itself reads (declared in shared/core-settings.ts). Role settings live
// beside them in the same provisioned map; the role validates its own (Role.applySetting).

import { CORE_SETTINGS, type CoreSettingName } from "../../shared/core-settings.js";
import { checkSetting, settingDefaults, type SettingSpec, type SettingValue } from "../../shared/settings.js";
import type { Settings } from "../roles/role.js";

export type { CoreSettingName } from "../../shared/core-settings.js";
export type { SettingValue } from "../../shared/settings.js";

export function isCoreSetting(name: string): name is CoreSettingName {
  return Object.prototype.hasOwnProperty.call(CORE_SETTINGS, name);
}

/** Why a value is refused for a core setting, or undefined when it is acceptable. */
export function checkCoreSetting(name: CoreSettingName, value: SettingValue): string | undefined {
  return checkSetting(name, CORE_SETTINGS[name], value);
}

export function needsRestart(name: CoreSettingName): boolean {
  const spec: SettingSpec = CORE_SETTINGS[name];
  return spec.restart === true;
}

/** A core number setting: the provisioned value when valid, else the default. */
export function numberSetting(settings: Settings, name: CoreSettingName): number {
  const value = settings[name];
  const spec: SettingSpec = CORE_SETTINGS[name];
  if (value !== undefined && checkCoreSetting(name, value) === undefined && typeof value === "number") return value;
  return spec.type === "int" ? spec.default : 0;
}

export function linkSetting(settings: Settings): "serial" | "lora" {
  return settings.link === "lora" ? "lora" : "serial";
}

/** Defaults for every core setting, for the console's "get settings". */
export function coreDefaults(): Record<string, SettingValue> {
  return settingDefaults(CORE_SETTINGS);
}
