// Wire messages of protocol v1 that every unit shares, whatever its role: status, acks, commands
// and their results. Each role declares its own messages in its descriptor (shared/roles/), and
// shared/roles/catalog.ts puts them together. Bodies are CBOR maps with small integer keys and
// scaled integers, so that every periodic report fits a 51-byte LoRa payload (AS923 DR2) with
// the envelope and MIC included.

export const PROTOCOL_VERSION = 1;

/** Type codes of the core messages; role messages take theirs from their descriptor. */
export const CoreMessageType = { status: 0, ack: 1, command: 7, commandResult: 8 } as const;

/** A registered role's name (shared/roles/catalog.ts lists them). */
export type RoleName = string;

/**
 * Fault flag bits (8 of them, one byte on the air), reported in status frames and in role reports
 * that carry a `faults` field. One table for every role, so that no two roles claim the same bit.
 */
export const Fault = {
  loopOpen: 1,
  loopShorted: 2,
  stuckPresence: 4,
  chatter: 8,
  sensorTimeout: 16,
  sensorRange: 32,
  radarSilent: 64,
  lowBattery: 128,
} as const;

/** Integer keys of each body, named for readers of hex dumps and the CDDL in docs/protocol.md. */
export const StatusKey = {
  role: 1, batteryMv: 2, uptimeS: 3, firmware: 4, queueDepth: 5, rssiDbm: 6, snrDb10: 7, faults: 8,
} as const;
export const AckKey = { boot: 1, seq: 2, timeS: 3, result: 4 } as const;

export const AckResult = { ok: 0, duplicate: 1, rejected: 2 } as const;

/** What a command asks for (key 2 of its body). */
export const CommandOp = { set: 0, status: 1, reboot: 2, setTime: 3 } as const;
/**
 * Command body keys of the command itself. A `set` command carries the settings it changes under
 * their own keys, which each setting declares (shared/core-settings.ts, shared/roles/); each body
 * field is named after the unit's setting it changes, so the firmware applies `limitKmh` as the
 * setting `limitKmh`.
 */
export const CommandHeaderKey = { id: 1, op: 2, timeS: 3 } as const;

export const CommandResultKey = { id: 1, result: 2, detail: 3 } as const;
/** stale: older than a command the unit already carried out (a replay), so not applied */
export const CommandResultCode = { applied: 0, rejected: 1, unsupported: 2, stale: 3 } as const;

/** Sent by the gateway only: a device never sends them, and the gateway refuses them as uplinks. */
export const DOWNLINK_TYPES: readonly MessageTypeName[] = ["ack", "command"];

export interface StatusBody {
  /** the role's code (RoleDescriptor.code) */
  role: number;
  batteryMv: number;
  uptimeS: number;
  /** major * 10000 + minor * 100 + patch, at most 65535 so it stays a 2-byte integer */
  firmware: number;
  queueDepth: number;
  rssiDbm?: number;
  snrDb10?: number;
  faults?: number;
}
export interface AckBody {
  boot: number;
  seq: number;
  timeS: number;
  result: number;
}
/** A command's settings by name; at most a few per command, so that every command fits the air frame. */
export type CommandSettings = { [setting: string]: number | undefined };
export interface CommandBody {
  /** the gateway's command id; with the envelope's timeS it orders commands for replay protection */
  id: number;
  op: number;
  /** setTime: Unix seconds */
  timeS?: number;
  [setting: string]: number | undefined;
}
export interface CommandResultBody {
  id: number;
  result: number;
  /** the command body key the result is about: the setting refused or not known */
  detail?: number;
}

/**
 * Body type per message type. Each role's descriptor adds its messages to this interface
 * (`declare module`), so a role's `send(type, body)` is type-checked.
 */
export interface BodyByType {
  status: StatusBody;
  ack: AckBody;
  command: CommandBody;
  commandResult: CommandResultBody;
}
export type MessageTypeName = keyof BodyByType & string;

/** Per body field: its key, whether it may be absent, and its allowed range (absurd values are rejected). */
export interface FieldSpec {
  key: number;
  min: number;
  max: number;
  optional?: boolean;
  /** an array of integers, each within [min, max], at most maxItems long */
  maxItems?: number;
}

export type BodySpec = Readonly<Record<string, FieldSpec>>;

const U16 = 0xffff;
const U32 = 0xffffffff;

/**
 * The core bodies. The status role range and the command's settings are filled in as roles are
 * registered (shared/roles/catalog.ts). The op range is wide so that a unit can answer
 * "unsupported" to an op newer than its firmware.
 */
export const CORE_BODY_SPECS = {
  status: {
    role: { key: StatusKey.role, min: 1, max: 1 },
    batteryMv: { key: StatusKey.batteryMv, min: 0, max: 60000 },
    uptimeS: { key: StatusKey.uptimeS, min: 0, max: U32 },
    firmware: { key: StatusKey.firmware, min: 0, max: U16 },
    queueDepth: { key: StatusKey.queueDepth, min: 0, max: U16 },
    rssiDbm: { key: StatusKey.rssiDbm, min: -200, max: 20, optional: true },
    snrDb10: { key: StatusKey.snrDb10, min: -300, max: 300, optional: true },
    faults: { key: StatusKey.faults, min: 0, max: 0xff, optional: true },
  },
  ack: {
    boot: { key: AckKey.boot, min: 0, max: U16 },
    seq: { key: AckKey.seq, min: 0, max: U16 },
    timeS: { key: AckKey.timeS, min: 0, max: U32 },
    result: { key: AckKey.result, min: 0, max: 2 },
  },
  command: {
    id: { key: CommandHeaderKey.id, min: 1, max: U32 },
    op: { key: CommandHeaderKey.op, min: 0, max: 0xff },
    timeS: { key: CommandHeaderKey.timeS, min: 0, max: U32, optional: true },
  },
  commandResult: {
    id: { key: CommandResultKey.id, min: 1, max: U32 },
    result: { key: CommandResultKey.result, min: 0, max: 3 },
    detail: { key: CommandResultKey.detail, min: 0, max: 0xff, optional: true },
  },
} as const satisfies Record<keyof typeof CoreMessageType, BodySpec>;

/** Maximum LoRa payload for every periodic frame (AS923, DR2/SF10 at 125 kHz, no dwell limit). */
export const MAX_AIR_FRAME = 51;
