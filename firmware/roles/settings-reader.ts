// Reads provisioned role settings against the role's declarations (its descriptor in
// shared/roles/). A missing key takes its default; a present but unusable one takes its default
// too and is listed in `invalid`, so a role starts with a bad setting (and says so) while a
// run-time change to it is refused.

import { checkSetting, type SettingRule, type SettingSpec, type SettingSpecs, type SettingValue } from "../../shared/settings.js";
import type { Settings } from "./role.js";

export class SettingsReader {
  readonly invalid: string[] = [];

  constructor(
    private readonly specs: SettingSpecs,
    private readonly settings: Settings,
    private readonly rules: readonly SettingRule[] = [],
  ) {}

  /** `fallback`: a default that depends on another setting, instead of the declared one */
  int(key: string, fallback?: number): number {
    const spec = this.spec(key, "int");
    return this.read(key, spec, fallback ?? spec.default);
  }

  bool(key: string): boolean {
    const spec = this.spec(key, "bool");
    const v = this.read<number | boolean>(key, spec, spec.default);
    return v === true || v === 1;
  }

  choice<T extends string>(key: string): T {
    const spec = this.spec(key, "choice");
    return this.read(key, spec, spec.default) as T;
  }

  text(key: string): string {
    const spec = this.spec(key, "text");
    return this.read(key, spec, spec.default);
  }

  /** Whether the rule that blames `key` holds for these values; if not, `key` is invalid. */
  holds(key: string, values: object): boolean {
    const rule = this.rules.find((r) => r.blame === key);
    if (!rule || rule.holds(values as Record<string, number>)) return true;
    this.fail(key);
    return false;
  }

  /** a rule between keys failed: blame the named key */
  fail(key: string): void {
    if (!this.invalid.includes(key)) this.invalid.push(key);
  }

  private spec<K extends SettingSpec["type"]>(key: string, type: K): Extract<SettingSpec, { type: K }> {
    const spec = this.specs[key];
    if (spec?.type !== type) throw new Error(`${key} is not a declared ${type} setting`);
    return spec as Extract<SettingSpec, { type: K }>;
  }

  private read<T>(key: string, spec: SettingSpec, fallback: T): T {
    const v = this.settings[key];
    if (v === undefined) return fallback;
    if (checkSetting(key, spec, v) === undefined) return v as T;
    this.fail(key);
    return fallback;
  }
}

/** A configuration read from settings, and the keys that were unusable. */
export interface Read<C> {
  config: C;
  invalid: string[];
}

/**
 * A run-time change of one key: the settings and configuration it gives, or undefined when it is
 * refused: the key is not live, its value is unusable, or it breaks a rule that held before.
 */
export function changeSetting<C>(
  specs: SettingSpecs, now: { settings: Settings; invalid: readonly string[] }, key: string, value: SettingValue, read: (settings: Settings) => Read<C>,
): (Read<C> & { settings: Settings }) | undefined {
  if (specs[key]?.live !== true) return undefined;
  const settings = { ...now.settings, [key]: value };
  const { config, invalid } = read(settings);
  if (invalid.includes(key) || invalid.some((k) => !now.invalid.includes(k))) return undefined;
  return { settings, config, invalid };
}
