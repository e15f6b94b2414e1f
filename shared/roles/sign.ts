// The sign role: a radar speed-feedback sign (firmware/roles/sign/, gateway/roles/sign/).

import type { RoleDescriptor } from "./descriptor.js";

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

declare module "../messages.js" {
  interface BodyByType {
    signStats: SignStatsBody;
    signHistogram: SignHistogramBody;
  }
}

/** Integer keys of the sign's bodies, named for readers of hex dumps and the CDDL in docs/protocol.md. */
export const SignStatsKey = {
  intervalS: 1, count: 2, meanSpeedDkmh: 3, p85Kmh: 4, maxKmh: 5, overLimit: 6, limitKmh: 7,
} as const;
export const SignHistogramKey = { intervalS: 1, binWidthKmh: 2, firstBin: 3, counts: 4 } as const;

/** The longest slow-down message the display board shows. */
export const MAX_MESSAGE = 16;

const U16 = 0xffff;

export const sign = {
  name: "sign",
  code: 2,
  messages: {
    signStats: {
      code: 3,
      fields: {
        intervalS: { key: SignStatsKey.intervalS, min: 10, max: 3600 },
        count: { key: SignStatsKey.count, min: 0, max: U16 },
        meanSpeedDkmh: { key: SignStatsKey.meanSpeedDkmh, min: 0, max: 3000, optional: true },
        p85Kmh: { key: SignStatsKey.p85Kmh, min: 0, max: 300, optional: true },
        maxKmh: { key: SignStatsKey.maxKmh, min: 0, max: 300, optional: true },
        overLimit: { key: SignStatsKey.overLimit, min: 0, max: U16 },
        limitKmh: { key: SignStatsKey.limitKmh, min: 5, max: 200 },
      },
    },
    signHistogram: {
      code: 6,
      fields: {
        intervalS: { key: SignHistogramKey.intervalS, min: 10, max: 3600 },
        binWidthKmh: { key: SignHistogramKey.binWidthKmh, min: 1, max: 50 },
        firstBin: { key: SignHistogramKey.firstBin, min: 0, max: 60 },
        counts: { key: SignHistogramKey.counts, min: 0, max: U16, maxItems: 16 },
      },
    },
  },
  settings: {
    radarModel: { type: "choice", default: "ops243", choices: ["ops243", "ld2415"] },
    /** what the OPS243 is set to print: UM m/s (its default), UK km/h, US mph */
    radarUnits: { type: "choice", default: "UM", choices: ["UM", "UK", "US"] },
    radarBaud: { type: "int", default: 19200, min: 1200, max: 921600, doc: "radar UART speed (the LD2415 default is 9600)" },
    radarInvert: { type: "bool", default: false, doc: "approaching targets read negative on this installation" },
    limitKmh: {
      type: "int", default: 50, min: 5, max: 200, unit: "km/h", live: true, doc: "the posted limit",
      command: { key: 5, op: "setSign" },
    },
    flashMarginKmh: {
      type: "int", default: 5, min: 0, max: 50, unit: "km/h", live: true, doc: "how far above the limit the display flashes",
      command: { key: 6, op: "setSign" },
    },
    blankAboveKmh: {
      type: "int", default: 100, min: 10, max: 300, unit: "km/h", live: true, doc: "above this speed the display shows nothing",
      command: { key: 7, op: "setSign" },
    },
    spyMode: { type: "bool", default: false, live: true, doc: "display dark, statistics still counted" },
    slowMessage: { type: "text", default: "PELAN-PELAN", maxLength: MAX_MESSAGE, live: true },
    gapMs: { type: "int", default: 1500, min: 200, max: 10000, unit: "ms" },
    minReports: { type: "int", default: 3, min: 1, max: 50 },
    minSpeedKmh: { type: "int", default: 5, min: 1, max: 100, unit: "km/h" },
    statsIntervalS: {
      type: "int", default: 300, min: 10, max: 3600, unit: "s", live: true, doc: "statistics interval",
      command: { key: 8, op: "setIntervals" },
    },
    radarSilentS: { type: "int", default: 3600, min: 0, max: 86400, unit: "s", doc: "no byte from the radar for this long raises the radarSilent fault (0: never)" },
  },
  rules: [
    {
      keys: ["limitKmh", "blankAboveKmh"], blame: "blankAboveKmh", says: "blankAboveKmh must be above limitKmh",
      holds: (v) => (v.blankAboveKmh as number) > (v.limitKmh as number),
    },
  ],
  commandOps: {
    setSign: { doc: "Speed sign: the posted limit, how far above it the display flashes, above which speed it shows nothing" },
  },
  tests: {
    display: { doc: "The display board lights every segment and the message line, then each digit alone, and its driver reports any part that failed" },
  },
  // signs run on a 12 V lead-acid battery (solar or mains float)
  health: { intervalS: 300, intervalSetting: "statsIntervalS", battery: { lowV: 11.5, recoverV: 11.9 }, offlineSeverity: "warning" },
} as const satisfies RoleDescriptor;
