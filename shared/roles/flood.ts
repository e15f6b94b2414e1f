// The flood role: a water-level station (firmware/roles/flood/, gateway/roles/flood/).

import type { RoleDescriptor } from "./descriptor.js";

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

declare module "../messages.js" {
  interface BodyByType {
    floodReport: FloodReportBody;
    floodAlarm: FloodAlarmBody;
  }
}

export const FloodStatus = { normal: 0, alert: 1, danger: 2 } as const;
export type FloodStatusName = keyof typeof FloodStatus;

/** Integer keys of the flood bodies, named for readers of hex dumps and the CDDL in docs/protocol.md. */
export const FloodReportKey = {
  distanceMm: 1, levelMm: 2, riseMmPerH: 3, status: 4, referenceMm: 5, temperatureDc: 6, samples: 7, faults: 8,
} as const;
export const FloodAlarmKey = { status: 1, previous: 2, levelMm: 3, riseMmPerH: 4, thresholdMm: 5 } as const;

const I16 = 0x7fff;
const MM = 20000;

export const flood = {
  name: "flood",
  code: 3,
  messages: {
    floodReport: {
      code: 4,
      fields: {
        distanceMm: { key: FloodReportKey.distanceMm, min: 0, max: MM },
        levelMm: { key: FloodReportKey.levelMm, min: -MM, max: MM },
        riseMmPerH: { key: FloodReportKey.riseMmPerH, min: -I16, max: I16 },
        status: { key: FloodReportKey.status, min: 0, max: 2 },
        referenceMm: { key: FloodReportKey.referenceMm, min: 0, max: MM },
        temperatureDc: { key: FloodReportKey.temperatureDc, min: -400, max: 850, optional: true },
        samples: { key: FloodReportKey.samples, min: 0, max: 255 },
        faults: { key: FloodReportKey.faults, min: 0, max: 0xff, optional: true },
      },
    },
    floodAlarm: {
      code: 5,
      alarm: true,
      fields: {
        status: { key: FloodAlarmKey.status, min: 0, max: 2 },
        previous: { key: FloodAlarmKey.previous, min: 0, max: 2 },
        levelMm: { key: FloodAlarmKey.levelMm, min: -MM, max: MM },
        riseMmPerH: { key: FloodAlarmKey.riseMmPerH, min: -I16, max: I16 },
        thresholdMm: { key: FloodAlarmKey.thresholdMm, min: -MM, max: MM },
      },
    },
  },
  settings: {
    sensorType: { type: "choice", default: "maxbotix", choices: ["maxbotix", "pressure"] },
    referenceMm: {
      type: "int", default: 3000, min: 1, max: MM, unit: "mm", live: true, doc: "height of the ranger above the datum (the channel bed or a gauge zero)",
      command: { key: 9, op: "setFlood" },
    },
    alertMm: {
      type: "int", default: 1000, min: -MM, max: MM, unit: "mm", live: true, doc: "alert water level above the datum",
      command: { key: 10, op: "setFlood" },
    },
    dangerMm: {
      type: "int", default: 1500, min: -MM, max: MM, unit: "mm", live: true, doc: "danger water level above the datum",
      command: { key: 11, op: "setFlood" },
    },
    hysteresisMm: { type: "int", default: 30, min: 0, max: 1000, unit: "mm", live: true },
    reportIntervalS: {
      type: "int", default: 300, min: 30, max: 3600, unit: "s", live: true, doc: "report interval",
      command: { key: 12, op: "setIntervals" },
    },
    fastIntervalS: {
      type: "int", default: 60, min: 10, max: 3600, unit: "s", live: true, doc: "report interval at alert or above, or rising fast",
      command: { key: 13, op: "setIntervals" },
    },
    fastRiseMmPerH: { type: "int", default: 100, min: 1, max: 10000, unit: "mm/h", live: true },
    riseWindowS: { type: "int", default: 900, min: 60, max: 7200, unit: "s", live: true },
    burstSamples: { type: "int", default: 5, min: 1, max: 15 },
    burstSpacingMs: { type: "int", default: 150, min: 50, max: 2000, unit: "ms" },
    warmupMs: { type: "int", default: 200, min: 0, max: 5000, unit: "ms", doc: "from powering the ranger to the first sample" },
    blipMm: { type: "int", default: 100, min: 0, max: 5000, unit: "mm", live: true, doc: "a jump bigger than this between measurements needs confirming (0: off)" },
    confirmDelayS: { type: "int", default: 15, min: 1, max: 300, unit: "s" },
    rangerMinMm: { type: "int", default: 300, min: 0, max: 9999, unit: "mm", doc: "readings at or below this are the ranger's \"too close\" value" },
    rangerMaxMm: { type: "int", default: 5000, min: 1, max: 9999, unit: "mm", doc: "readings at or above this are the ranger's \"no target\" value" },
    rangerAssumedC: { type: "int", default: 20, min: -40, max: 85, unit: "°C", doc: "the air temperature the ranger's distance conversion assumes" },
    tempSensor: { type: "choice", default: "none", choices: ["none", "tmp36"] },
    tempFullScaleMv: { type: "int", default: 3300, min: 500, max: 6000, unit: "mV" },
    pressureFullScaleMv: { type: "int", default: 5000, min: 500, max: 30000, unit: "mV" },
    pressureZeroMv: { type: "int", default: 500, min: 0, max: 20000, unit: "mV" },
    pressureSpanMv: { type: "int", default: 4000, min: 100, max: 30000, unit: "mV" },
    pressureRangeMm: { type: "int", default: 5000, min: 100, max: MM, unit: "mm" },
    pressureOffsetMm: { type: "int", default: 0, min: -MM, max: MM, unit: "mm", doc: "height of the pressure port above the datum" },
  },
  rules: [
    { keys: ["alertMm", "dangerMm"], blame: "dangerMm", says: "dangerMm must be above alertMm", holds: (v) => (v.dangerMm as number) > (v.alertMm as number) },
    {
      keys: ["alertMm", "dangerMm", "hysteresisMm"], blame: "hysteresisMm", says: "hysteresisMm must be below dangerMm - alertMm",
      // said only of thresholds in order: otherwise the danger rule speaks
      holds: (v) => (v.dangerMm as number) <= (v.alertMm as number) || (v.hysteresisMm as number) < (v.dangerMm as number) - (v.alertMm as number),
    },
    {
      keys: ["fastIntervalS", "reportIntervalS"], blame: "fastIntervalS", says: "fastIntervalS must not exceed reportIntervalS",
      holds: (v) => (v.fastIntervalS as number) <= (v.reportIntervalS as number),
    },
    {
      keys: ["rangerMinMm", "rangerMaxMm"], blame: "rangerMaxMm", says: "rangerMaxMm must be above rangerMinMm",
      holds: (v) => (v.rangerMaxMm as number) > (v.rangerMinMm as number),
    },
    {
      keys: ["burstSamples", "burstSpacingMs", "warmupMs", "fastIntervalS", "confirmDelayS"], blame: "burstSamples",
      says: "a burst must end before the next measurement is due",
      holds: (v) => ((v.burstSamples as number) - 1) * (v.burstSpacingMs as number) + (v.warmupMs as number)
        < Math.min(v.fastIntervalS as number, v.confirmDelayS as number) * 1000,
    },
  ],
  commandOps: {
    setFlood: { doc: "Flood station: alert and danger water levels above the datum, and the sensor's height above it (reference), mm" },
  },
  // The flood gauge runs on one Li-ion cell. A silent gauge is critical: it is the unit that
  // decides road closures in a storm, when silence is most likely.
  health: { intervalS: 300, intervalSetting: "reportIntervalS", battery: { lowV: 3.3, recoverV: 3.45 }, offlineSeverity: "critical" },
} as const satisfies RoleDescriptor;
