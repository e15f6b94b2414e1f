import type { ErrorObject } from "ajv";
import { encodeFrame } from "../../shared/envelope.js";
import { CommandOp, CommandResultCode, type CommandBody, type RoleName } from "../../shared/messages.js";
import { COMMAND_SETTINGS, CommandKey, commandSettingList, roleNamed } from "../../shared/roles/catalog.js";
import { brokenRule, type SettingRule } from "../../shared/settings.js";
import { nodeMac } from "../pipeline/verify.js";
import type { Device } from "../registry/registry.js";
import { derivedValidator } from "../schema.js";
import { commandSchema } from "./command-schema.js";
import resultSchema from "./result.schema.json" with { type: "json" };

/** A command as the command center publishes it (command.schema.json): an op and the settings it changes. */
export interface Command {
  /** a settings op of the role catalog (setSign, setIntervals, ...), requestStatus, reboot or setTime */
  op: string;
  /** time to live, s */
  ttlS?: number;
  /** the command center's own reference */
  ref?: string;
  /** setTime: Unix seconds */
  timeS?: number;
  /** settings by name, as the units call them */
  [setting: string]: number | string | undefined;
}

export type ResultState = "delivered" | "applied" | "rejected" | "expired";

/** What the gateway publishes on .../command/result (result.schema.json). */
export interface CommandResult {
  commandId: number | null;
  deviceId: number | null;
  siteId: string;
  state: ResultState;
  detail: string | null;
  time: string;
  command: unknown;
}

export const validateCommand = derivedValidator<Command>(commandSchema);
/** What the gateway publishes is built to this schema; the tests check it (compiled on first use, not at start). */
export const validateResult = derivedValidator<CommandResult>(() => resultSchema, () => 0);

/** Ops other than setting ones; every settings op is a `set` on the air. */
const WIRE_OP: Readonly<Record<string, number>> = {
  requestStatus: CommandOp.status,
  reboot: CommandOp.reboot,
  setTime: CommandOp.setTime,
};

/** The command's settings in protocol order. */
export function settingsOf(command: Command): [string, number][] {
  return COMMAND_SETTINGS.flatMap((name) => {
    const value = command[name];
    return typeof value === "number" ? [[name, value] as [string, number]] : [];
  });
}

/**
 * What the schema cannot say: whether the unit has these settings, and whether settings given
 * together agree with each other (the unit also checks them against those it keeps). Returns why
 * the command cannot go to this device, or undefined.
 */
export function checkForDevice(command: Command, device: Device): string | undefined {
  const given = settingsOf(command);
  for (const [name] of given) {
    const role = commandSettingList().find((s) => s.name === name)?.role;
    if (role !== undefined && role !== device.role) return `${name} is a ${role} setting; device ${device.id} is a ${device.role} unit`;
  }
  const values = Object.fromEntries(given);
  const broken = brokenRule(roleNamed(device.role)?.rules ?? [], values);
  return broken === undefined ? undefined : describeRule(broken, values);
}

/** The rule's sentence with the values given: "dangerMm (800) must be above alertMm (900)". */
function describeRule(rule: SettingRule, values: Readonly<Record<string, number>>): string {
  return rule.says.replace(/\b[A-Za-z]\w*\b/g, (word) => (rule.keys.includes(word) ? `${word} (${values[word]})` : word));
}

/** The reporting interval an applied command sets on a unit of this role, if it sets one. */
export function reportIntervalSet(command: Command, role: RoleName): number | undefined {
  const name = roleNamed(role)?.health.intervalSetting;
  const value = name === undefined ? undefined : command[name];
  return typeof value === "number" ? value : undefined;
}

export function wireBody(command: Command, id: number, nowMs: number): CommandBody {
  const body: CommandBody = { id, op: WIRE_OP[command.op] ?? CommandOp.set };
  if (command.op === "setTime") body.timeS = command.timeS ?? Math.floor(nowMs / 1000);
  for (const [name, value] of settingsOf(command)) body[name] = value;
  return body;
}

/**
 * The signed command frame. Its timeS is the command's issue time, not the sending time, so the
 * unit orders commands by when they were issued (see firmware/core/commands.ts); boot and seq
 * are 0: a command answers no uplink.
 */
export function commandFrame(command: Command, id: number, createdAt: number, device: Device, nowMs: number): Uint8Array {
  return encodeFrame(
    { type: "command", deviceId: device.id, boot: 0, seq: 0, timeS: Math.floor(createdAt / 1000), body: wireBody(command, id, nowMs) },
    device.keyBytes,
    nodeMac,
  );
}

/** A unit's commandResult as a final state and a sentence for the command center. */
export function describeAnswer(result: number, detail: number | undefined): { state: "applied" | "rejected"; detail: string } {
  const key = detail === undefined ? undefined : Object.keys(CommandKey).find((name) => CommandKey[name] === detail) ?? `key ${detail}`;
  switch (result) {
    case CommandResultCode.applied:
      return { state: "applied", detail: "applied by the unit" };
    case CommandResultCode.rejected:
      return {
        state: "rejected",
        detail: key === undefined ? "the unit refused the command" : `the unit refused ${key}; none of the command's settings were changed`,
      };
    case CommandResultCode.unsupported:
      return { state: "rejected", detail: key === undefined ? "the unit's firmware does not support this command" : `the unit's firmware does not know ${key}` };
    default:
      return { state: "rejected", detail: "the unit has applied a newer command; this one was not applied (replay protection)" };
  }
}

/** Schema errors as one line, without ajv's if/then and anyOf noise. */
export function describeCommandErrors(errors: ErrorObject[] | null | undefined): string {
  const all = errors ?? [];
  const alternatives = new Map<string, string[]>();
  for (const e of all) {
    if (e.keyword === "required" && e.schemaPath.includes("/anyOf/")) {
      const list = alternatives.get(e.instancePath) ?? [];
      list.push(String(e.params.missingProperty));
      alternatives.set(e.instancePath, list);
    }
  }
  const lines = all
    .filter((e) => e.keyword !== "if" && e.keyword !== "anyOf" && !(e.keyword === "required" && e.schemaPath.includes("/anyOf/")))
    .map((e) => {
      const extra = "additionalProperty" in e.params ? ` (${String(e.params.additionalProperty)})` : "allowedValues" in e.params ? ` (${(e.params.allowedValues as unknown[]).join(", ")})` : "";
      return `${e.instancePath || "(root)"} ${e.message ?? "is invalid"}${extra}`;
    });
  for (const [path, names] of alternatives) lines.push(`${path || "(root)"} needs at least one of ${names.join(", ")}`);
  return lines.join("; ");
}
