// `pantau build` as a technician runs it, on the real Moddable toolchain without ESP-IDF: every
// module compiled and linked for the board, then a clear stop naming what the flash image needs.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { moddable } from "../support/moddable.js";
import { tempDir } from "../support/temp.js";

describe.skipIf(!moddable)("pantau build without ESP-IDF", () => {
  it("compiles and links the board's image, then says ESP-IDF v6.0 is needed for the rest", async () => {
    delete process.env.IDF_PATH;
    const out = tempDir("pantau-build-");
    const run = await runCli(["build", "--board", "devkitc", "--release", "-o", out]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Moddable SDK ${moddable!.version}`);
    const buildDir = join(out, "tmp/esp32/nodemcu/release/pantau");
    expect(run.stderr).toContain(`pantau: compiled and linked for devkitc (${buildDir}), but the flash image needs ESP-IDF`);
    expect(run.stderr).toContain("install ESP-IDF v6.0:");
    // xsl's output: the linked XS image as C, ready for the ESP-IDF build
    expect(existsSync(join(buildDir, "mc.xs.c"))).toBe(true);
    // not a terminal: no progress bar in the output
    expect(run.stderr).not.toContain("modules compiled");
  });
});
