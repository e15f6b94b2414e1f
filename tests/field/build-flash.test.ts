// `pantau flash` and `pantau build` where ESP-IDF is not installed (as on this machine and in CI):
// the commands printed on --dry-run, and what is missing said with how to install it.

import { describe, expect, it } from "vitest";
import { runCli as pantau } from "../support/cli.js";

const noIdf = (): void => {
  delete process.env.IDF_PATH;
};

describe("pantau flash and build without ESP-IDF", () => {
  noIdf();

  it("prints the commands on --dry-run", async () => {
    const run = await pantau(["flash", "--board", "devkitc", "--port", "/dev/ttyUSB0", "--release", "--dry-run"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("export IDF_PATH=~/esp32/esp-idf && . $IDF_PATH/export.sh   # ESP-IDF v6.0");
    expect(run.stdout).toMatch(/^UPLOAD_PORT=\/dev\/ttyUSB0 mcconfig -m -p esp32\/nodemcu manifest\.json$/m);
  });

  it("says ESP-IDF is missing and how to install it, exiting non-zero", async () => {
    const run = await pantau(["flash", "--board", "devkitc", "--port", "/dev/ttyUSB0"]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain("pantau: cannot flash devkitc: ESP-IDF is not installed here, or not set up in this shell (IDF_PATH is not set)");
    expect(run.stderr).toContain("  git clone -b v6.0 --recursive https://github.com/espressif/esp-idf.git ~/esp32/esp-idf");
  });

  it("refuses a board manifest.json does not have, listing those it has", async () => {
    const run = await pantau(["build", "--board", "nodemcu"]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('no board "nodemcu" in manifest.json');
    expect(run.stderr).toContain("use one of: devkitc, heltec_lora32_v2, ttgo_lora32_v21");
  });
});
