// Wire messages of protocol v1: one definition, used by the firmware (XS) and the gateway (Node).
// Bodies are CBOR maps with small integer keys and scaled integers, so that every periodic
// report fits a 51-byte LoRa payload (AS923 DR2) with the envelope and MIC included.

export const PROTOCOL_VERSION = 1;

export const MessageType = {
  status: 0,
  ack: 1,
  loopInterval: 2,
  signStats: 3,
  floodReport: 4,
  floodAlarm: 5,
  signHistogram: 6,
  command: 7,
  commandResult: 8,
} as const;
export type MessageTypeName = keyof typeof MessageType;
export type MessageTypeCode = (typeof MessageType)[MessageTypeName];

export const Role = { loop: 1, sign: 2, flood: 3, bridge: 4 } as const;
export type RoleName = keyof typeof Role;

export const FloodStatus = { normal: 0, alert: 1, danger: 2 } as const;
export type FloodStatusName = keyof typeof FloodStatus;

/** Fault flag bits (8 of them, one byte on the air), reported in status frames and flood reports. */
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
export const LoopKey = {
  lane: 1, intervalS: 2, volume: 3, occupancyPermille: 4, speedKmh: 5, lengthDm: 6,
  classes: 7, headwayDs: 8,
} as const;
export const SignStatsKey = {
  intervalS: 1, count: 2, meanSpeedDkmh: 3, p85Kmh: 4, maxKmh: 5, overLimit: 6, limitKmh: 7,
} as const;
export const SignHistogramKey = { intervalS: 1, binWidthKmh: 2, firstBin: 3, counts: 4 } as const;
export const FloodReportKey = {
  distanceMm: 1, levelMm: 2, riseMmPerH: 3, status: 4, referenceMm: 5, temperatureDc: 6,
  samples: 7, faults: 8,
} as const;
export const FloodAlarmKey = {
  status: 1, previous: 2, levelMm: 3, riseMmPerH: 4, thresholdMm: 5,
} as const;

export const AckResult = { ok: 0, duplicate: 1, rejected: 2 } as const;

/** What a command asks for (key 2 of its body). */
export const CommandOp = { set: 0, status: 1, reboot: 2, setTime: 3 } as const;
/**
 * Command body keys. A `set` command carries the settings it changes under their own keys; each
 * body field is named after the unit's setting it changes (docs/firmware.md), so the firmware
 * applies `limitKmh` as the setting `limitKmh`.
 */
export const CommandKey = {
  id: 1, op: 2, timeS: 3, statusS: 4, limitKmh: 5, flashMarginKmh: 6, blankAboveKmh: 7, statsIntervalS: 8,
  referenceMm: 9, alertMm: 10, dangerMm: 11, reportIntervalS: 12, fastIntervalS: 13, intervalS: 14,
} as const;
export const COMMAND_SETTINGS = [
  "statusS", "limitKmh", "flashMarginKmh", "blankAboveKmh", "statsIntervalS", "referenceMm", "alertMm", "dangerMm",
  "reportIntervalS", "fastIntervalS", "intervalS",
] as const;
export type CommandSetting = (typeof COMMAND_SETTINGS)[number];

export const CommandResultKey = { id: 1, result: 2, detail: 3 } as const;
/** stale: older than a command the unit already carried out (a replay), so not applied */
export const CommandResultCode = { applied: 0, rejected: 1, unsupported: 2, stale: 3 } as const;

/** Sent by the gateway only: a device never sends them, and the gateway refuses them as uplinks. */
export const DOWNLINK_TYPES: readonly MessageTypeName[] = ["ack", "command"];

export interface StatusBody {
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
/** A command's settings; at most a few per command, so that every command fits the air frame. */
export type CommandSettings = { [S in CommandSetting]?: number };
export interface CommandBody extends CommandSettings {
  /** the gateway's command id; with the envelope's timeS it orders commands for replay protection */
  id: number;
  op: number;
  /** setTime: Unix seconds */
  timeS?: number;
}
export interface CommandResultBody {
  id: number;
  result: number;
  /** the command body key the result is about: the setting refused or not known */
  detail?: number;
}
export interface LoopIntervalBody {
  lane: number;
  intervalS: number;
  volume: number;
  occupancyPermille: number;
  speedKmh?: number;
  lengthDm?: number;
  classes: number[];
  headwayDs?: number;
}
export interface SignStatsBody {
  intervalS: number;
  count: number;
  meanSpeedDkmh?: number;
  p85Kmh?: number;
  maxKmh?: number;
  overLimit: number;
  limitKmh: number;
}
export interface SignHistogramBody {
  intervalS: number;
  binWidthKmh: number;
  firstBin: number;
  counts: number[];
}
export interface FloodReportBody {
  distanceMm: number;
  levelMm: number;
  riseMmPerH: number;
  status: number;
  referenceMm: number;
  temperatureDc?: number;
  samples: number;
  faults?: number;
}
export interface FloodAlarmBody {
  status: number;
  previous: number;
  levelMm: number;
  riseMmPerH: number;
  thresholdMm: number;
}

export interface BodyByType {
  status: StatusBody;
  ack: AckBody;
  loopInterval: LoopIntervalBody;
  signStats: SignStatsBody;
  floodReport: FloodReportBody;
  floodAlarm: FloodAlarmBody;
  signHistogram: SignHistogramBody;
  command: CommandBody;
  commandResult: CommandResultBody;
}

/** Per body field: its key, whether it may be absent, and its allowed range (absurd values are rejected). */
export interface FieldSpec {
  key: number;
  min: number;
  max: number;
  optional?: boolean;
  /** an array of integers, each within [min, max], at most maxItems long */
  maxItems?: number;
}

type Specs<B> = { [F in keyof B]-?: FieldSpec };

const U16 = 0xffff;
const I16 = 0x7fff;
const U32 = 0xffffffff;

export const BODY_SPECS: { [T in MessageTypeName]: Specs<BodyByType[T]> } = {
  status: {
    role: { key: StatusKey.role, min: 1, max: 4 },
    batteryMv: { key: StatusKey.batteryMv, min: 0, max: 60000 },
    uptimeS: { key: StatusKey.uptimeS, min: 0, max: 0xffffffff },
    firmware: { key: StatusKey.firmware, min: 0, max: U16 },
    queueDepth: { key: StatusKey.queueDepth, min: 0, max: U16 },
    rssiDbm: { key: StatusKey.rssiDbm, min: -200, max: 20, optional: true },
    snrDb10: { key: StatusKey.snrDb10, min: -300, max: 300, optional: true },
    faults: { key: StatusKey.faults, min: 0, max: 0xff, optional: true },
  },
  ack: {
    boot: { key: AckKey.boot, min: 0, max: U16 },
    seq: { key: AckKey.seq, min: 0, max: U16 },
    timeS: { key: AckKey.timeS, min: 0, max: 0xffffffff },
    result: { key: AckKey.result, min: 0, max: 2 },
  },
  loopInterval: {
    lane: { key: LoopKey.lane, min: 0, max: 7 },
    intervalS: { key: LoopKey.intervalS, min: 10, max: 60 },
    volume: { key: LoopKey.volume, min: 0, max: 255 },
    occupancyPermille: { key: LoopKey.occupancyPermille, min: 0, max: 1000 },
    speedKmh: { key: LoopKey.speedKmh, min: 0, max: 250, optional: true },
    lengthDm: { key: LoopKey.lengthDm, min: 0, max: 255, optional: true },
    classes: { key: LoopKey.classes, min: 0, max: 255, maxItems: 5 },
    headwayDs: { key: LoopKey.headwayDs, min: 0, max: 6000, optional: true },
  },
  signStats: {
    intervalS: { key: SignStatsKey.intervalS, min: 10, max: 3600 },
    count: { key: SignStatsKey.count, min: 0, max: U16 },
    meanSpeedDkmh: { key: SignStatsKey.meanSpeedDkmh, min: 0, max: 3000, optional: true },
    p85Kmh: { key: SignStatsKey.p85Kmh, min: 0, max: 300, optional: true },
    maxKmh: { key: SignStatsKey.maxKmh, min: 0, max: 300, optional: true },
    overLimit: { key: SignStatsKey.overLimit, min: 0, max: U16 },
    limitKmh: { key: SignStatsKey.limitKmh, min: 5, max: 200 },
  },
  signHistogram: {
    intervalS: { key: SignHistogramKey.intervalS, min: 10, max: 3600 },
    binWidthKmh: { key: SignHistogramKey.binWidthKmh, min: 1, max: 50 },
    firstBin: { key: SignHistogramKey.firstBin, min: 0, max: 60 },
    counts: { key: SignHistogramKey.counts, min: 0, max: U16, maxItems: 16 },
  },
  floodReport: {
    distanceMm: { key: FloodReportKey.distanceMm, min: 0, max: 20000 },
    levelMm: { key: FloodReportKey.levelMm, min: -20000, max: 20000 },
    riseMmPerH: { key: FloodReportKey.riseMmPerH, min: -I16, max: I16 },
    status: { key: FloodReportKey.status, min: 0, max: 2 },
    referenceMm: { key: FloodReportKey.referenceMm, min: 0, max: 20000 },
    temperatureDc: { key: FloodReportKey.temperatureDc, min: -400, max: 850, optional: true },
    samples: { key: FloodReportKey.samples, min: 0, max: 255 },
    faults: { key: FloodReportKey.faults, min: 0, max: 0xff, optional: true },
  },
  floodAlarm: {
    status: { key: FloodAlarmKey.status, min: 0, max: 2 },
    previous: { key: FloodAlarmKey.previous, min: 0, max: 2 },
    levelMm: { key: FloodAlarmKey.levelMm, min: -20000, max: 20000 },
    riseMmPerH: { key: FloodAlarmKey.riseMmPerH, min: -I16, max: I16 },
    thresholdMm: { key: FloodAlarmKey.thresholdMm, min: -20000, max: 20000 },
  },
  // Setting ranges are the widest any role accepts; the unit's role checks its own. The op range
  // is wide so that a unit can answer "unsupported" to an op newer than its firmware.
  command: {
    id: { key: CommandKey.id, min: 1, max: U32 },
    op: { key: CommandKey.op, min: 0, max: 0xff },
    timeS: { key: CommandKey.timeS, min: 0, max: U32, optional: true },
    statusS: { key: CommandKey.statusS, min: 30, max: 86400, optional: true },
    limitKmh: { key: CommandKey.limitKmh, min: 5, max: 200, optional: true },
    flashMarginKmh: { key: CommandKey.flashMarginKmh, min: 0, max: 50, optional: true },
    blankAboveKmh: { key: CommandKey.blankAboveKmh, min: 10, max: 300, optional: true },
    statsIntervalS: { key: CommandKey.statsIntervalS, min: 10, max: 3600, optional: true },
    referenceMm: { key: CommandKey.referenceMm, min: 1, max: 20000, optional: true },
    alertMm: { key: CommandKey.alertMm, min: -20000, max: 20000, optional: true },
    dangerMm: { key: CommandKey.dangerMm, min: -20000, max: 20000, optional: true },
    reportIntervalS: { key: CommandKey.reportIntervalS, min: 30, max: 3600, optional: true },
    fastIntervalS: { key: CommandKey.fastIntervalS, min: 10, max: 3600, optional: true },
    intervalS: { key: CommandKey.intervalS, min: 20, max: 60, optional: true },
  },
  commandResult: {
    id: { key: CommandResultKey.id, min: 1, max: U32 },
    result: { key: CommandResultKey.result, min: 0, max: 3 },
    detail: { key: CommandResultKey.detail, min: 0, max: 0xff, optional: true },
  },
};

export const TYPE_NAMES: readonly MessageTypeName[] = Object.keys(MessageType) as MessageTypeName[];

export function typeName(code: number): MessageTypeName | undefined {
  return TYPE_NAMES.find((n) => MessageType[n] === code);
}

/** Maximum LoRa payload for every periodic frame (AS923, DR2/SF10 at 125 kHz, no dwell limit). */
export const MAX_AIR_FRAME = 51;
