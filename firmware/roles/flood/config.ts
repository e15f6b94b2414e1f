// The flood station's settings: keys, defaults and ranges (docs/firmware.md lists them).

import type { Settings } from "../role.js";
import { SettingsReader } from "../settings-reader.js";
import type { Thresholds } from "./level.js";
import type { PressureConfig } from "./pressure.js";

export type SensorType = "maxbotix" | "pressure";
export type TempSensor = "none" | "tmp36";

export interface FloodConfig {
  sensorType: SensorType;
  /** height of the ranger above the datum (the channel bed or a gauge zero), mm */
  referenceMm: number;
  thresholds: Thresholds;
  reportIntervalS: number;
  /** the interval while at alert or above, or rising fast */
  fastIntervalS: number;
  fastRiseMmPerH: number;
  riseWindowS: number;
  burstSamples: number;
  burstSpacingMs: number;
  /** from powering the ranger to the first sample */
  warmupMs: number;
  /** a jump bigger than this between measurements needs confirming (0: off) */
  blipMm: number;
  confirmDelayS: number;
  /** readings at or outside these are the ranger's "too close" / "no target" values */
  rangerMinMm: number;
  rangerMaxMm: number;
  /** the air temperature the ranger's distance conversion assumes */
  rangerAssumedC: number;
  tempSensor: TempSensor;
  tempFullScaleMv: number;
  pressure: PressureConfig;
  /** height of the pressure port above the datum, mm */
  pressureOffsetMm: number;
}

/** Keys a running station takes at once: thresholds and reporting, not the sensor wiring. */
export const LIVE_KEYS: readonly string[] = [
  "referenceMm", "alertMm", "dangerMm", "hysteresisMm", "reportIntervalS", "fastIntervalS",
  "fastRiseMmPerH", "riseWindowS", "blipMm",
];

const MM = 20000;

export function readFloodConfig(settings: Settings): { config: FloodConfig; invalid: string[] } {
  const r = new SettingsReader(settings);
  const config: FloodConfig = {
    sensorType: r.choice<SensorType>("sensorType", "maxbotix", ["maxbotix", "pressure"]),
    referenceMm: r.int("referenceMm", 3000, 1, MM),
    thresholds: {
      alertMm: r.int("alertMm", 1000, -MM, MM),
      dangerMm: r.int("dangerMm", 1500, -MM, MM),
      hysteresisMm: r.int("hysteresisMm", 30, 0, 1000),
    },
    reportIntervalS: r.int("reportIntervalS", 300, 30, 3600),
    fastIntervalS: r.int("fastIntervalS", 60, 10, 3600),
    fastRiseMmPerH: r.int("fastRiseMmPerH", 100, 1, 10000),
    riseWindowS: r.int("riseWindowS", 900, 60, 7200),
    burstSamples: r.int("burstSamples", 5, 1, 15),
    burstSpacingMs: r.int("burstSpacingMs", 150, 50, 2000),
    warmupMs: r.int("warmupMs", 200, 0, 5000),
    blipMm: r.int("blipMm", 100, 0, 5000),
    confirmDelayS: r.int("confirmDelayS", 15, 1, 300),
    rangerMinMm: r.int("rangerMinMm", 300, 0, 9999),
    rangerMaxMm: r.int("rangerMaxMm", 5000, 1, 9999),
    rangerAssumedC: r.int("rangerAssumedC", 20, -40, 85),
    tempSensor: r.choice<TempSensor>("tempSensor", "none", ["none", "tmp36"]),
    tempFullScaleMv: r.int("tempFullScaleMv", 3300, 500, 6000),
    pressure: {
      fullScaleMv: r.int("pressureFullScaleMv", 5000, 500, 30000),
      zeroMv: r.int("pressureZeroMv", 500, 0, 20000),
      spanMv: r.int("pressureSpanMv", 4000, 100, 30000),
      rangeMm: r.int("pressureRangeMm", 5000, 100, MM),
    },
    pressureOffsetMm: r.int("pressureOffsetMm", 0, -MM, MM),
  };
  checkRules(config, r);
  return { config, invalid: r.invalid };
}

/** Rules between keys; a broken group falls back to its defaults as a whole. */
function checkRules(c: FloodConfig, r: SettingsReader): void {
  const t = c.thresholds;
  const badDanger = t.dangerMm <= t.alertMm;
  const badHysteresis = !badDanger && t.hysteresisMm >= t.dangerMm - t.alertMm;
  if (badDanger) r.fail("dangerMm");
  if (badHysteresis) r.fail("hysteresisMm");
  if (badDanger || badHysteresis) c.thresholds = { alertMm: 1000, dangerMm: 1500, hysteresisMm: 30 };
  if (c.fastIntervalS > c.reportIntervalS) {
    r.fail("fastIntervalS");
    c.fastIntervalS = c.reportIntervalS;
  }
  if (c.rangerMaxMm <= c.rangerMinMm) {
    r.fail("rangerMaxMm");
    c.rangerMinMm = 300;
    c.rangerMaxMm = 5000;
  }
  const shortestGapMs = Math.min(c.fastIntervalS, c.confirmDelayS) * 1000;
  if ((c.burstSamples - 1) * c.burstSpacingMs + c.warmupMs >= shortestGapMs) {
    r.fail("burstSamples");
    c.burstSamples = 5;
    c.burstSpacingMs = 150;
    c.warmupMs = 200;
  }
}
