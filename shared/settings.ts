// A unit's settings declared once: type, unit, range, default, and how a command carries it.
// The firmware reads provisioned values against these; the gateway derives its command checks
// and JSON Schemas from the same declarations (shared/roles/catalog.ts collects them).

export type SettingValue = number | string | boolean;

/** How a gateway command carries a setting: its key in the command body and the op that sets it. */
export interface CommandBinding {
  key: number;
  op: string;
}

interface SettingBase {
  /** what it is, for people (docs, schemas) */
  doc?: string;
  /** taken by a running unit without a restart */
  live?: boolean;
  /** applied by a restart rather than live (core settings) */
  restart?: boolean;
  command?: CommandBinding;
}

export interface IntSetting extends SettingBase {
  type: "int";
  default: number;
  min: number;
  max: number;
  unit?: string;
  /** the only values allowed within min..max */
  allowed?: readonly number[];
}

export interface BoolSetting extends SettingBase {
  type: "bool";
  default: boolean;
}

export interface ChoiceSetting extends SettingBase {
  type: "choice";
  default: string;
  choices: readonly string[];
}

/** printable ASCII only: the display and the console speak nothing else */
export interface TextSetting extends SettingBase {
  type: "text";
  default: string;
  maxLength: number;
}

export type SettingSpec = IntSetting | BoolSetting | ChoiceSetting | TextSetting;
export type SettingSpecs = Readonly<Record<string, SettingSpec>>;

/**
 * A rule between integer settings. `holds` sees every key in `keys`; `blame` is the key a unit
 * refuses when it fails, and `says` tells a person why.
 */
export interface SettingRule {
  keys: readonly string[];
  blame: string;
  says: string;
  holds(values: Readonly<Record<string, number>>): boolean;
}

/** Why a value is refused for this setting, or undefined when it is acceptable. */
export function checkSetting(name: string, spec: SettingSpec, value: unknown): string | undefined {
  switch (spec.type) {
    case "int":
      if (typeof value !== "number" || !Number.isInteger(value) || value < spec.min || value > spec.max) {
        return `${name} must be an integer in ${spec.min}..${spec.max}`;
      }
      if (spec.allowed && !spec.allowed.includes(value)) return `${name} must be one of ${spec.allowed.join(",")}`;
      return undefined;
    case "bool":
      return typeof value === "boolean" || value === 0 || value === 1 ? undefined : `${name} must be true or false`;
    case "choice":
      return typeof value === "string" && spec.choices.includes(value) ? undefined : `${name} must be one of ${spec.choices.join("|")}`;
    case "text":
      return typeof value === "string" && value.length <= spec.maxLength && isPrintableAscii(value)
        ? undefined
        : `${name} must be printable ASCII text of at most ${spec.maxLength} characters`;
  }
}

/** The first rule the values break, among those whose keys are all present. */
export function brokenRule(rules: readonly SettingRule[], values: Readonly<Record<string, unknown>>): SettingRule | undefined {
  return rules.find((rule) => rule.keys.every((k) => typeof values[k] === "number") && !rule.holds(values as Record<string, number>));
}

/** Every setting's default. */
export function settingDefaults(specs: SettingSpecs): Record<string, SettingValue> {
  const out: Record<string, SettingValue> = {};
  for (const name of Object.keys(specs)) out[name] = (specs[name] as SettingSpec).default;
  return out;
}

function isPrintableAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}
