// The Moddable main module (manifest "creation.main"): Moddable runs its default export once the
// machine is up. It builds the device platform from the board map the build selected and the
// radio settings in storage, and boots the unit with every role. Kept apart from main.ts so that
// Node and the simulator never load a Moddable module.

import config from "mc/config";
import { loadSettings } from "./core/identity.js";
import { numberSetting } from "./core/settings.js";
import { boot } from "./main.js";
import { boardFromConfig, ModdablePlatform, PreferenceStorage } from "./platform/moddable.js";
import { ROLES } from "./roles/index.js";

/** Preference domain of all Pantau values. */
const DOMAIN = "pantau";

export default function main(): void {
  const storage = new PreferenceStorage(DOMAIN);
  const settings = loadSettings(storage);
  const platform = new ModdablePlatform(boardFromConfig(config), storage, {
    freqKhz: numberSetting(settings, "freqKhz"),
    spreadingFactor: numberSetting(settings, "sf"),
    bandwidthHz: numberSetting(settings, "bwHz"),
    txDbm: numberSetting(settings, "txDbm"),
  });
  boot(platform, ROLES);
}
