// Every role the build knows, and the protocol tables derived from them: message type codes, body
// specs, command keys and which role may send what. The built-in roles (./index.ts) are
// registered when this module loads; a test may register one more (a fixture role) before it
// starts a gateway or a unit. The tables are live objects: code that holds them sees a
// registration at once.

import { CORE_COMMAND_OPS, CORE_SETTINGS } from "../core-settings.js";
import {
  CORE_BODY_SPECS, CommandHeaderKey, CoreMessageType, type BodySpec, type FieldSpec, type MessageTypeName,
} from "../messages.js";
import type { IntSetting, SettingSpec } from "../settings.js";
import type { CommandOpSpec, RoleDescriptor } from "./descriptor.js";
import { BUILTIN_ROLES } from "./index.js";

/** Message type code by name, core and registered roles. */
export const MessageType: Record<string, number> = { ...CoreMessageType };
/** Body spec by message type name. */
export const BODY_SPECS: Record<string, Record<string, FieldSpec>> = copySpecs(CORE_BODY_SPECS);
/** Role code (StatusBody.role) by role name. */
export const RoleCode: Record<string, number> = {};
/** Command body key by field name: the command's own fields, then every setting a command may carry. */
export const CommandKey: Record<string, number> = { ...CommandHeaderKey };
/** Settings a command may carry, in key order. */
export const COMMAND_SETTINGS: string[] = [];
/** Message types that are alarms: sent at once, first in the unit's queue. */
export const ALARM_TYPES: string[] = [];

/** Uplinks any unit sends, whatever its role. */
const CORE_UPLINKS: readonly string[] = ["status", "commandResult"];

export interface CommandSettingInfo {
  name: string;
  spec: IntSetting & { command: { key: number; op: string } };
  /** undefined for a core setting: every unit has it */
  role: string | undefined;
}

const roles: RoleDescriptor[] = [];
const commandSettings: CommandSettingInfo[] = [];
const commandOps: Record<string, CommandOpSpec> = { ...CORE_COMMAND_OPS };
let version = 0;

/** Adds a role to every table; refuses one that clashes with a role already known. */
export function registerRole(role: RoleDescriptor): void {
  const clash = (what: string) => new Error(`role ${role.name}: ${what}`);
  if (roles.some((r) => r.name === role.name)) throw clash("a role of that name is already registered");
  if (roles.some((r) => r.code === role.code) || !Number.isInteger(role.code) || role.code < 1 || role.code > 0xff) {
    throw clash(`role code ${role.code} is taken or outside 1..255`);
  }
  const codes = Object.keys(MessageType).map((n) => MessageType[n]);
  for (const name of Object.keys(role.messages)) {
    const code = (role.messages[name] as { code: number }).code;
    if (MessageType[name] !== undefined) throw clash(`message type ${name} is already declared`);
    if (codes.includes(code) || !Number.isInteger(code) || code < 0 || code > 0xff) throw clash(`message code ${code} is taken or outside 0..255`);
    codes.push(code);
  }
  const added: CommandSettingInfo[] = [];
  for (const name of Object.keys(role.settings)) {
    const spec = role.settings[name] as SettingSpec;
    if (!spec.command) continue;
    if (spec.type !== "int") throw clash(`command setting ${name} must be an integer setting`);
    if (CommandKey[name] !== undefined) throw clash(`command setting ${name} is already declared`);
    const { key, op } = spec.command;
    if (Object.keys(CommandKey).some((n) => CommandKey[n] === key) || added.some((a) => a.spec.command.key === key)) {
      throw clash(`command key ${key} of ${name} is taken`);
    }
    if (commandOps[op] === undefined && role.commandOps?.[op] === undefined) throw clash(`${name}: command op ${op} is not declared`);
    added.push({ name, spec: spec as CommandSettingInfo["spec"], role: role.name });
  }
  roles.push(role);
  RoleCode[role.name] = role.code;
  BODY_SPECS.status!.role!.max = Math.max(...roles.map((r) => r.code));
  for (const name of Object.keys(role.messages)) {
    const message = role.messages[name] as { code: number; fields: BodySpec; alarm?: boolean };
    MessageType[name] = message.code;
    BODY_SPECS[name] = copySpec(message.fields);
    if (message.alarm) ALARM_TYPES.push(name);
  }
  Object.assign(commandOps, role.commandOps);
  for (const info of added) addCommandSetting(info);
  version++;
}

function addCommandSetting(info: CommandSettingInfo): void {
  const { name, spec } = info;
  commandSettings.push(info);
  commandSettings.sort((a, b) => a.spec.command.key - b.spec.command.key);
  CommandKey[name] = spec.command.key;
  BODY_SPECS.command![name] = { key: spec.command.key, min: spec.min, max: spec.max, optional: true };
  COMMAND_SETTINGS.length = 0;
  for (const s of commandSettings) COMMAND_SETTINGS.push(s.name);
}

/** Changes whenever a role is registered: whatever is derived from the catalog is rebuilt then. */
export function catalogVersion(): number {
  return version;
}

export function allRoles(): readonly RoleDescriptor[] {
  return roles;
}

export function roleNames(): string[] {
  return roles.map((r) => r.name);
}

export function roleNamed(name: string): RoleDescriptor | undefined {
  return roles.find((r) => r.name === name);
}

export function roleWithCode(code: number): RoleDescriptor | undefined {
  return roles.find((r) => r.code === code);
}

/** Whether a unit of this role may send this message type (status and command results: every unit). */
export function roleSends(roleName: string, type: string): boolean {
  if (CORE_UPLINKS.includes(type)) return true;
  const role = roleNamed(roleName);
  return role !== undefined && Object.prototype.hasOwnProperty.call(role.messages, type);
}

export function isAlarmType(type: string): boolean {
  return ALARM_TYPES.includes(type);
}

/** Every setting a command may carry, in key order, with the role that has it. */
export function commandSettingList(): readonly CommandSettingInfo[] {
  return commandSettings;
}

/** Every command op that sets settings, with what it is for. */
export function settingOps(): Readonly<Record<string, CommandOpSpec>> {
  return commandOps;
}

export function typeName(code: number): MessageTypeName | undefined {
  return Object.keys(MessageType).find((n) => MessageType[n] === code) as MessageTypeName | undefined;
}

function copySpec(spec: BodySpec): Record<string, FieldSpec> {
  const out: Record<string, FieldSpec> = {};
  for (const name of Object.keys(spec)) out[name] = { ...(spec[name] as FieldSpec) };
  return out;
}

function copySpecs(specs: Readonly<Record<string, BodySpec>>): Record<string, Record<string, FieldSpec>> {
  const out: Record<string, Record<string, FieldSpec>> = {};
  for (const name of Object.keys(specs)) out[name] = copySpec(specs[name] as BodySpec);
  return out;
}

for (const name of Object.keys(CORE_SETTINGS) as (keyof typeof CORE_SETTINGS)[]) {
  const spec: SettingSpec = CORE_SETTINGS[name];
  if (spec.command && spec.type === "int") addCommandSetting({ name, spec: spec as CommandSettingInfo["spec"], role: undefined });
}
for (const role of BUILTIN_ROLES) registerRole(role);
