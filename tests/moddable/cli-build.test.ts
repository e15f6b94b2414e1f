// `pantau build` as a technician runs it, in a real terminal (tmux), on the real Moddable toolchain
// without ESP-IDF: a progress bar over the modules compiled, every module compiled and linked for
// the board, then a clear stop naming what the flash image needs. One build: CI time is tight.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CLI } from "../support/cli.js";
import { moddable } from "../support/moddable.js";
import { tempDir } from "../support/temp.js";
import { closeTerminals, hasTmux, openTerminal } from "../support/tmux.js";

/** Reads the screen every half second (a tmux call each time) until `probe` says yes. */
async function watchScreen<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe.skipIf(!moddable || !hasTmux)("pantau build without ESP-IDF, in a terminal", () => {
  afterAll(() => closeTerminals());

  it("shows a bar over the modules compiled, links the board's image, then says ESP-IDF v6.0 is needed for the rest", async () => {
    // the terminal's shell inherits this environment: no ESP-IDF
    delete process.env.IDF_PATH;
    const out = tempDir("pantau-build-");
    const term = openTerminal([process.execPath, CLI, "build", "--board", "devkitc", "--release", "-o", out], {}, 400, 30);
    try {
      const bar = /\[(#*)(\.*)\] (\d+)\/(\d+) modules compiled/;
      const partial = await watchScreen("the bar part way", () => {
        const m = bar.exec(term.screen());
        return m && Number(m[3]) > 0 && Number(m[3]) < Number(m[4]) ? m : undefined;
      }, 300_000);
      expect(partial[1]!.length + partial[2]!.length).toBe(30);
      const screen = await watchScreen("the build's end", () => (term.alive() ? undefined : term.screen()), 600_000);
      console.log(`pantau build, at the end:\n${screen}`);
      const done = bar.exec(screen)!;
      expect(done[3]).toBe(done[4]);
      expect(done[1]).toBe("#".repeat(30));
      expect(screen).toContain(`Moddable SDK ${moddable!.version}`);
      const buildDir = join(out, "tmp/esp32/nodemcu/release/pantau");
      expect(screen).toContain(`compiled and linked for devkitc (${buildDir}), but the flash image needs ESP-IDF`);
      expect(screen).toContain("install ESP-IDF v6.0:");
      expect(screen).toContain("[exit 1]");
      // xsl's output: the linked XS image as C, ready for the ESP-IDF build
      expect(existsSync(join(buildDir, "mc.xs.c"))).toBe(true);
    } finally {
      term.close();
    }
  }, 900_000);
});
