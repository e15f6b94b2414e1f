// Commands from the gateway (protocol message `command`; the core has checked its MIC). Each is
// carried out at most once: the unit keeps the outcome of its last few commands in flash, so a
// command delivered again because its answer was lost is answered again with the same outcome,
// and a command older than the newest one carried out (a recorded frame played back) is refused
// as stale. Commands are ordered by (envelope timeS, command id): the gateway's issue time, then
// its never-reused id, so the order holds even for a gateway whose store was replaced.

import { CommandOp, CommandResultCode, type CommandBody, type CommandResultBody } from "../../shared/messages.js";
import { COMMAND_SETTINGS, CommandKey } from "../../shared/roles/catalog.js";
import type { Storage } from "../platform/platform.js";
import { loadSettings, saveSettings } from "./identity.js";
import type { SettingValue } from "./settings.js";

/** Outcomes kept. The gateway sends a device one command at a time, so only the last can come again. */
export const COMMAND_LOG_ENTRIES = 4;
const LOG_KEY = "cmdlog";
/** timeS u32, id u32, result (bit 7: a detail follows), detail */
const ENTRY_BYTES = 10;
const HAS_DETAIL = 0x80;

interface Verdict {
  result: number;
  detail?: number;
}

interface Outcome extends Verdict {
  timeS: number;
  id: number;
}

/** The outcomes of the last commands carried out, oldest first, persisted in one small value. */
export class CommandLog {
  private readonly entries: Outcome[];

  constructor(private readonly storage: Storage) {
    this.entries = readLog(storage.get(LOG_KEY));
  }

  find(timeS: number, id: number): Outcome | undefined {
    return this.entries.find((e) => e.timeS === timeS && e.id === id);
  }

  /** Newer than every command carried out so far. */
  isNewer(timeS: number, id: number): boolean {
    const newest = this.entries[this.entries.length - 1];
    return !newest || timeS > newest.timeS || (timeS === newest.timeS && id > newest.id);
  }

  record(outcome: Outcome): void {
    this.entries.push(outcome);
    if (this.entries.length > COMMAND_LOG_ENTRIES) this.entries.shift();
    this.storage.set(LOG_KEY, writeLog(this.entries));
  }
}

function readLog(value: unknown): Outcome[] {
  if (!(value instanceof Uint8Array) || value.length % ENTRY_BYTES !== 0) return [];
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const entries: Outcome[] = [];
  for (let at = 0; at < value.length; at += ENTRY_BYTES) {
    const flags = view.getUint8(at + 8);
    const entry: Outcome = { timeS: view.getUint32(at), id: view.getUint32(at + 4), result: flags & ~HAS_DETAIL };
    if (flags & HAS_DETAIL) entry.detail = view.getUint8(at + 9);
    entries.push(entry);
  }
  return entries;
}

function writeLog(entries: readonly Outcome[]): Uint8Array {
  const bytes = new Uint8Array(entries.length * ENTRY_BYTES);
  const view = new DataView(bytes.buffer);
  entries.forEach((e, i) => {
    const at = i * ENTRY_BYTES;
    view.setUint32(at, e.timeS);
    view.setUint32(at + 4, e.id);
    view.setUint8(at + 8, e.result | (e.detail === undefined ? 0 : HAS_DETAIL));
    view.setUint8(at + 9, e.detail ?? 0);
  });
  return bytes;
}

/** What commands do to the unit; the core provides it. */
export interface CommandActions {
  /** changes a setting now; false if refused or possible only at a restart */
  applySetting(name: string, value: number): boolean;
  /** the value in force as provisioned or last changed; undefined while the default applies */
  settingValue(name: string): SettingValue | undefined;
  setClock(timeS: number): void;
  sendStatus(): void;
  /** restarts the unit once its answer has gone */
  reboot(): void;
  /** queues a commandResult uplink */
  answer(body: CommandResultBody): void;
}

export class Commands {
  readonly stats = { applied: 0, refused: 0, repeated: 0, stale: 0 };
  private readonly log: CommandLog;

  constructor(private readonly storage: Storage, private readonly actions: CommandActions) {
    this.log = new CommandLog(storage);
  }

  /** `unknownKey`: the first body key this firmware does not know, if the command has one. */
  handle(timeS: number, body: CommandBody, unknownKey?: number): void {
    const known = this.log.find(timeS, body.id);
    if (known) {
      this.stats.repeated++;
      this.actions.answer(resultBody(body.id, known));
      return;
    }
    if (!this.log.isNewer(timeS, body.id)) {
      this.stats.stale++;
      this.actions.answer({ id: body.id, result: CommandResultCode.stale });
      return;
    }
    // A key this firmware does not know may change what the command means: refuse it whole.
    const verdict: Verdict = unknownKey === undefined
      ? this.carryOut(body)
      : { result: CommandResultCode.unsupported, detail: Math.min(unknownKey, 0xff) };
    // Recorded before the answer goes, so a restart (or a reboot command) cannot make it run twice.
    this.log.record({ timeS, id: body.id, ...verdict });
    const applied = verdict.result === CommandResultCode.applied;
    if (applied) this.stats.applied++;
    else this.stats.refused++;
    this.actions.answer(resultBody(body.id, verdict));
    if (!applied) return;
    if (body.op === CommandOp.status) this.actions.sendStatus();
    else if (body.op === CommandOp.reboot) this.actions.reboot();
  }

  private carryOut(body: CommandBody): Verdict {
    switch (body.op) {
      case CommandOp.set:
        return this.set(body);
      case CommandOp.status:
      case CommandOp.reboot:
        return { result: CommandResultCode.applied };
      case CommandOp.setTime:
        if (body.timeS === undefined) return { result: CommandResultCode.rejected, detail: CommandKey.timeS };
        this.actions.setClock(body.timeS);
        return { result: CommandResultCode.applied };
      default:
        return { result: CommandResultCode.unsupported };
    }
  }

  /** All the command's settings, or none: then the answer names the one refused. Applied ones are persisted. */
  private set(body: CommandBody): Verdict {
    const changes: [string, number][] = [];
    for (const name of COMMAND_SETTINGS) {
      const value = body[name];
      if (value !== undefined) changes.push([name, value]);
    }
    if (changes.length === 0) return { result: CommandResultCode.rejected };
    const refused = applyAll(changes, this.actions);
    if (refused !== undefined) return { result: CommandResultCode.rejected, detail: CommandKey[refused] as number };
    const stored = loadSettings(this.storage);
    for (const [name, value] of changes) stored[name] = value;
    saveSettings(this.storage, stored);
    return { result: CommandResultCode.applied };
  }
}

/**
 * Settings that constrain each other (a limit below the blank-above speed, alert below danger)
 * are tried again after the others, so a consistent set goes in whatever its order. If one is
 * still refused, the ones applied go back to their previous values. One that had none (its
 * default was in force) cannot be put back through the role contract; it stays until the next
 * boot, which reads the persisted settings (docs/firmware.md).
 */
function applyAll(changes: readonly [string, number][], actions: CommandActions): string | undefined {
  const before = changes.map(([name]) => actions.settingValue(name));
  const applied: number[] = [];
  let pending = changes.map((_, i) => i);
  for (;;) {
    const next = pending.filter((i) => {
      const [name, value] = changes[i] as [string, number];
      if (!actions.applySetting(name, value)) return true;
      applied.push(i);
      return false;
    });
    if (next.length === 0) return undefined;
    if (next.length === pending.length) {
      for (const i of applied.reverse()) {
        const old = before[i];
        if (typeof old === "number") actions.applySetting((changes[i] as [string, number])[0], old);
      }
      return (changes[next[0] as number] as [string, number])[0];
    }
    pending = next;
  }
}


/** The first key of a command body (as decoded, a Map) this firmware does not know; 255 for a non-integer one. */
export function unknownCommandKey(wireBody: unknown): number | undefined {
  if (!(wireBody instanceof Map)) return undefined;
  for (const key of wireBody.keys()) {
    if (typeof key !== "number" || !Number.isInteger(key) || key < 0) return 0xff;
    if (!Object.keys(CommandKey).some((name) => CommandKey[name] === key)) return key;
  }
  return undefined;
}

function resultBody(id: number, verdict: Verdict): CommandResultBody {
  return verdict.detail === undefined ? { id, result: verdict.result } : { id, result: verdict.result, detail: verdict.detail };
}
