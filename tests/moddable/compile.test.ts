// The firmware through the real Moddable toolchain for every board in manifest.json: mcconfig,
// tsc and xsc for every module, and the xsl link, exactly as the device build runs them (the
// C compile and flashing need ESP-IDF and are left to docs/firmware.md).

import { readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configure, link, readManifest } from "../../gateway/firmware-build/board.js";
import { checkFirmware, describeBoard, type BoardResult } from "../../gateway/firmware-build/check.js";
import { moddable, PROJECT_ROOT } from "../support/moddable.js";
import { tempDir } from "../support/temp.js";

/** Every firmware and shared source module, except the simulator and the host run's program, which never go on a device. */
function deviceSources(): string[] {
  const walk = (dir: string): string[] => readdirSync(join(PROJECT_ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return ["firmware/sim", "firmware/host", "firmware/typings"].includes(path) ? [] : walk(path);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [path] : [];
  });
  return [...walk("firmware"), ...walk("shared")];
}

describe.skipIf(!moddable)("the firmware on the Moddable toolchain", () => {
  it("compiles every module and links for every board", async () => {
    const results: BoardResult[] = await checkFirmware(moddable!, PROJECT_ROOT, tempDir("pantau-mc-"), (r) => console.log(describeBoard(r)));
    expect(results.map((r) => r.configured.target.board)).toEqual(Object.keys(readManifest(PROJECT_ROOT).config.boards));
    const sources = deviceSources();
    const wanted = readManifest(PROJECT_ROOT).creation;
    for (const { report, configured } of results) {
      const board = configured.target.board;
      expect(report.projectModules, board).toBe(sources.length);
      expect(report.projectPreloaded, `${board}: every module in flash`).toBe(sources.length);
      expect(report.instances).toBeGreaterThan(0);
      expect(configured.creation.main).toBe(wanted.main);
      // The SDK's device and base manifests set creation values too: the project's must win, in the image.
      expect(report.linkedCreation, board).toMatchObject({
        stackSlots: wanted.stack, heapSlots: wanted.heap.initial, heapIncrement: wanted.heap.incremental,
        chunkBytes: wanted.chunk.initial, chunkIncrement: wanted.chunk.incremental, staticBytes: wanted.static,
      });
    }
  }, 15 * 60_000);

  it("fails on a type error, naming the file and the error", async () => {
    const project = tempDir("pantau-mc-bad-");
    writeFileSync(join(project, "manifest.json"), JSON.stringify({
      build: { NAME: "pantau" },
      include: ["$(MODDABLE)/examples/manifest_base.json"],
      creation: { main: "main" },
      modules: { "*": "./main" },
      typescript: (JSON.parse(readFileSync(join(PROJECT_ROOT, "firmware/manifest.json"), "utf8")) as { typescript: unknown }).typescript,
    }));
    writeFileSync(join(project, "main.ts"), "const reading: number = \"high\";\nexport default function main(): void { trace(`${reading}\\n`); }\n");
    symlinkSync(join(PROJECT_ROOT, "node_modules"), join(project, "node_modules"));
    const configured = await configure(moddable!, project, { board: "nodemcu", platform: "esp32/nodemcu", args: [] }, join(project, "out"), { debug: false });
    await expect(link(moddable!, project, configured)).rejects.toThrow(/main\.ts.*error TS2322/s);
  }, 5 * 60_000);
});
