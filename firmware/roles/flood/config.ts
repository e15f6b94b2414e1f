// The flood station's settings read into one configuration (declared in shared/roles/flood.ts).

import { flood } from "../../../shared/roles/flood.js";
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

const S = flood.settings;

export function readFloodConfig(settings: Settings): { config: FloodConfig; invalid: string[] } {
  const r = new SettingsReader(S, settings, flood.rules);
  const config: FloodConfig = {
    sensorType: r.choice<SensorType>("sensorType"),
    referenceMm: r.int("referenceMm"),
    thresholds: { alertMm: r.int("alertMm"), dangerMm: r.int("dangerMm"), hysteresisMm: r.int("hysteresisMm") },
    reportIntervalS: r.int("reportIntervalS"),
    fastIntervalS: r.int("fastIntervalS"),
    fastRiseMmPerH: r.int("fastRiseMmPerH"),
    riseWindowS: r.int("riseWindowS"),
    burstSamples: r.int("burstSamples"),
    burstSpacingMs: r.int("burstSpacingMs"),
    warmupMs: r.int("warmupMs"),
    blipMm: r.int("blipMm"),
    confirmDelayS: r.int("confirmDelayS"),
    rangerMinMm: r.int("rangerMinMm"),
    rangerMaxMm: r.int("rangerMaxMm"),
    rangerAssumedC: r.int("rangerAssumedC"),
    tempSensor: r.choice<TempSensor>("tempSensor"),
    tempFullScaleMv: r.int("tempFullScaleMv"),
    pressure: {
      fullScaleMv: r.int("pressureFullScaleMv"),
      zeroMv: r.int("pressureZeroMv"),
      spanMv: r.int("pressureSpanMv"),
      rangeMm: r.int("pressureRangeMm"),
    },
    pressureOffsetMm: r.int("pressureOffsetMm"),
  };
  checkRules(config, r);
  return { config, invalid: r.invalid };
}

/** Rules between keys (in the descriptor's order); a broken group falls back to its defaults as a whole. */
function checkRules(c: FloodConfig, r: SettingsReader): void {
  const dangerOk = r.holds("dangerMm", c.thresholds);
  if (!r.holds("hysteresisMm", c.thresholds) || !dangerOk) {
    c.thresholds = { alertMm: S.alertMm.default, dangerMm: S.dangerMm.default, hysteresisMm: S.hysteresisMm.default };
  }
  if (!r.holds("fastIntervalS", c)) c.fastIntervalS = c.reportIntervalS;
  if (!r.holds("rangerMaxMm", c)) {
    c.rangerMinMm = S.rangerMinMm.default;
    c.rangerMaxMm = S.rangerMaxMm.default;
  }
  if (!r.holds("burstSamples", c)) {
    c.burstSamples = S.burstSamples.default;
    c.burstSpacingMs = S.burstSpacingMs.default;
    c.warmupMs = S.warmupMs.default;
  }
}
