import type { ErrorObject } from "ajv";
import { encodeFrame } from "../../shared/envelope.js";
import {
  CommandKey, CommandOp, CommandResultCode, type CommandBody, type CommandSetting, type CommandSettings, type RoleName,
} from "../../shared/messages.js";
import { nodeMac } from "../pipeline/verify.js";
import type { Device } from "../registry/registry.js";
import { compileSchema } from "../schema.js";
import commandSchema from "./command.schema.json" with { type: "json" };
import resultSchema from "./result.schema.json" with { type: "json" };

export type CommandOpName = "setSign" | "setFlood" | "setIntervals" | "requestStatus" | "reboot" | "setTime";

/** A command as the command center publishes it (command.schema.json). */
export interface Command extends CommandSettings {
  op: CommandOpName;
  /** time to live, s */
  ttlS?: number;
  /** the command center's own reference */
  ref?: string;
  /** setTime: Unix seconds */
  timeS?: number;
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

export const validateCommand = compileSchema<Command>(commandSchema);
export const validateResult = compileSchema<CommandResult>(resultSchema);

const WIRE_OP: Record<CommandOpName, number> = {
  setSign: CommandOp.set,
  setFlood: CommandOp.set,
  setIntervals: CommandOp.set,
  requestStatus: CommandOp.status,
  reboot: CommandOp.reboot,
  setTime: CommandOp.setTime,
};

/** The role each setting belongs to; statusS is the core's, so every unit has it. */
const SETTING_ROLE: Record<CommandSetting, RoleName | "any"> = {
  statusS: "any",
  limitKmh: "sign",
  flashMarginKmh: "sign",
  blankAboveKmh: "sign",
  statsIntervalS: "sign",
  referenceMm: "flood",
  alertMm: "flood",
  dangerMm: "flood",
  reportIntervalS: "flood",
  fastIntervalS: "flood",
  intervalS: "loop",
};

/** Per role, the setting that is its regular reporting interval (what device health expects). */
const REPORT_INTERVAL: Partial<Record<RoleName, CommandSetting>> = {
  loop: "intervalS",
  sign: "statsIntervalS",
  flood: "reportIntervalS",
};

const SETTING_NAMES = Object.keys(SETTING_ROLE) as CommandSetting[];

/** The command's settings in protocol order. */
export function settingsOf(command: Command): [CommandSetting, number][] {
  return SETTING_NAMES.flatMap((name) => {
    const value = command[name];
    return value === undefined ? [] : [[name, value] as [CommandSetting, number]];
  });
}

/**
 * What the schema cannot say: whether the unit has these settings, and whether settings given
 * together agree with each other (the unit also checks them against those it keeps). Returns why
 * the command cannot go to this device, or undefined.
 */
export function checkForDevice(command: Command, device: Device): string | undefined {
  for (const [name] of settingsOf(command)) {
    const role = SETTING_ROLE[name];
    if (role !== "any" && role !== device.role) return `${name} is a ${role} setting; device ${device.id} is a ${device.role} unit`;
  }
  const c = command;
  if (c.limitKmh !== undefined && c.blankAboveKmh !== undefined && c.blankAboveKmh <= c.limitKmh) {
    return `blankAboveKmh (${c.blankAboveKmh}) must be above limitKmh (${c.limitKmh})`;
  }
  if (c.alertMm !== undefined && c.dangerMm !== undefined && c.dangerMm <= c.alertMm) {
    return `dangerMm (${c.dangerMm}) must be above alertMm (${c.alertMm})`;
  }
  if (c.fastIntervalS !== undefined && c.reportIntervalS !== undefined && c.fastIntervalS > c.reportIntervalS) {
    return `fastIntervalS (${c.fastIntervalS}) must not exceed reportIntervalS (${c.reportIntervalS})`;
  }
  return undefined;
}

/** The reporting interval an applied command sets on a unit of this role, if it sets one. */
export function reportIntervalSet(command: Command, role: RoleName): number | undefined {
  const name = REPORT_INTERVAL[role];
  return name === undefined ? undefined : command[name];
}

export function wireBody(command: Command, id: number, nowMs: number): CommandBody {
  const body: CommandBody = { id, op: WIRE_OP[command.op] };
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

const KEY_NAMES = new Map<number, string>(Object.entries(CommandKey).map(([name, key]) => [key, name]));

/** A unit's commandResult as a final state and a sentence for the command center. */
export function describeAnswer(result: number, detail: number | undefined): { state: "applied" | "rejected"; detail: string } {
  const key = detail === undefined ? undefined : KEY_NAMES.get(detail) ?? `key ${detail}`;
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
