// What a build or a flash needs beyond the Moddable SDK, said as what is missing and how to get
// it: ESP-IDF compiles the C side and writes the flash (the SDK's ESP32 port, release 8.2.3, is
// built against ESP-IDF v6.0).

import { existsSync } from "node:fs";
import { join } from "node:path";

export const SDK_VERSION = "8.2.3";
export const ESP_IDF_VERSION = "v6.0";

export const INSTALL_ESP_IDF = [
  `install ESP-IDF ${ESP_IDF_VERSION}:`,
  `  git clone -b ${ESP_IDF_VERSION} --recursive https://github.com/espressif/esp-idf.git ~/esp32/esp-idf`,
  "  ~/esp32/esp-idf/install.sh esp32 && . ~/esp32/esp-idf/export.sh",
  "(docs/firmware.md, \"Installing the tools\")",
].join("\n");

export const INSTALL_SDK = [
  `install the Moddable SDK ${SDK_VERSION} and build its tools:`,
  `  git clone -b ${SDK_VERSION} https://github.com/Moddable-OpenSource/moddable ~/Projects/moddable`,
  "  export MODDABLE=~/Projects/moddable && cd $MODDABLE/build/makefiles/lin && make",
  "(docs/firmware.md, \"Installing the tools\")",
].join("\n");

/** Why ESP-IDF cannot be used here, or undefined when it can. */
export function missingEspIdf(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const idf = env.IDF_PATH;
  if (!idf) return "ESP-IDF is not installed here, or not set up in this shell (IDF_PATH is not set)";
  if (!existsSync(join(idf, "tools/idf.py"))) return `IDF_PATH is ${idf}, which holds no ESP-IDF (no tools/idf.py)`;
  return undefined;
}
