// The sign's settings read into one configuration (declared in shared/roles/sign.ts).

import { sign } from "../../../shared/roles/sign.js";
import type { Settings } from "../role.js";
import type { DisplayConfig } from "./display.js";
import type { Ops243Units } from "./ops243.js";
import { SettingsReader } from "../settings-reader.js";
import type { TrackerConfig } from "./tracker.js";

export type RadarModel = "ops243" | "ld2415";

export interface SignConfig {
  radarModel: RadarModel;
  /** what the OPS243 is set to print: UM m/s (its default), UK km/h, US mph */
  radarUnits: Ops243Units;
  radarBaud: number;
  /** approaching targets read negative on this installation */
  radarInvert: boolean;
  display: DisplayConfig;
  tracker: TrackerConfig;
  statsIntervalS: number;
  /** no byte from the radar for this long raises the radarSilent fault (0: never) */
  radarSilentS: number;
}

const LD2415_BAUD = 9600;

export function readSignConfig(settings: Settings): { config: SignConfig; invalid: string[] } {
  const r = new SettingsReader(sign.settings, settings, sign.rules);
  const radarModel = r.choice<RadarModel>("radarModel");
  const limitKmh = r.int("limitKmh");
  const display: DisplayConfig = {
    limitKmh,
    flashMarginKmh: r.int("flashMarginKmh"),
    blankAboveKmh: r.int("blankAboveKmh"),
    spyMode: r.bool("spyMode"),
    message: r.text("slowMessage"),
  };
  if (!r.holds("blankAboveKmh", display)) display.blankAboveKmh = Math.min(sign.settings.blankAboveKmh.max, limitKmh + 50);
  const config: SignConfig = {
    radarModel,
    radarUnits: r.choice<Ops243Units>("radarUnits"),
    radarBaud: r.int("radarBaud", radarModel === "ld2415" ? LD2415_BAUD : undefined),
    radarInvert: r.bool("radarInvert"),
    display,
    tracker: {
      gapMs: r.int("gapMs"),
      minReports: r.int("minReports"),
      minSpeedDkmh: r.int("minSpeedKmh") * 10,
    },
    statsIntervalS: r.int("statsIntervalS"),
    radarSilentS: r.int("radarSilentS"),
  };
  return { config, invalid: r.invalid };
}
