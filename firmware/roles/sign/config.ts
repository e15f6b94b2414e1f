// The sign's settings: keys, defaults and ranges (docs/firmware.md lists them for technicians).

import type { Settings } from "../role.js";
import { MAX_MESSAGE, type DisplayConfig } from "./display.js";
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

/** Keys a running sign takes without a restart: what is shown and counted over, and the
 * statistics interval (from the end of the interval under way). */
export const LIVE_KEYS: readonly string[] = [
  "limitKmh", "flashMarginKmh", "blankAboveKmh", "spyMode", "slowMessage", "statsIntervalS",
];

export function readSignConfig(settings: Settings): { config: SignConfig; invalid: string[] } {
  const r = new SettingsReader(settings);
  const radarModel = r.choice<RadarModel>("radarModel", "ops243", ["ops243", "ld2415"]);
  const limitKmh = r.int("limitKmh", 50, 5, 200);
  const display: DisplayConfig = {
    limitKmh,
    flashMarginKmh: r.int("flashMarginKmh", 5, 0, 50),
    blankAboveKmh: r.int("blankAboveKmh", 100, 10, 300),
    spyMode: r.bool("spyMode", false),
    message: r.text("slowMessage", "PELAN-PELAN", MAX_MESSAGE),
  };
  if (display.blankAboveKmh <= limitKmh) {
    r.fail("blankAboveKmh");
    display.blankAboveKmh = Math.min(300, limitKmh + 50);
  }
  const config: SignConfig = {
    radarModel,
    radarUnits: r.choice<Ops243Units>("radarUnits", "UM", ["UM", "UK", "US"]),
    radarBaud: r.int("radarBaud", radarModel === "ld2415" ? 9600 : 19200, 1200, 921600),
    radarInvert: r.bool("radarInvert", false),
    display,
    tracker: {
      gapMs: r.int("gapMs", 1500, 200, 10000),
      minReports: r.int("minReports", 3, 1, 50),
      minSpeedDkmh: r.int("minSpeedKmh", 5, 1, 100) * 10,
    },
    statsIntervalS: r.int("statsIntervalS", 300, 10, 3600),
    radarSilentS: r.int("radarSilentS", 3600, 0, 86400),
  };
  return { config, invalid: r.invalid };
}
