// The firmware through the real Moddable toolchain for every board in manifest.json: mcconfig,
// tsc and xsc for every module, and the xsl link, exactly as the device build runs them (the
// C compile and flashing need ESP-IDF and are left to docs/firmware.md). The first board is built
// the way a technician builds it, `pantau build` in a real terminal (tmux): one build per board,
// since each takes about a minute of both cores.

import { existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { boardTargets, configure, link, parseCreation, readLinkReport, readManifest } from "../../gateway/firmware-build/board.js";
import { checkFirmware, describeBoard, type BoardResult } from "../../gateway/firmware-build/check.js";
import { CLI } from "../support/cli.js";
import { moddable, PROJECT_ROOT } from "../support/moddable.js";
import { waitFor } from "../support/mqtt.js";
import { tempDir } from "../support/temp.js";
import { closeTerminals, hasTmux, openTerminal } from "../support/tmux.js";

/** Every firmware and shared source module, except the simulator and the host run's program, which never go on a device. */
function deviceSources(): string[] {
  const walk = (dir: string): string[] => readdirSync(join(PROJECT_ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return ["firmware/sim", "firmware/host", "firmware/typings"].includes(path) ? [] : walk(path);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [path] : [];
  });
  return [...walk("firmware"), ...walk("shared")];
}

const [first, ...others] = boardTargets(readManifest(PROJECT_ROOT));
/** the first board as `pantau build` left it, for the every-board checks */
let built: BoardResult | undefined;

describe.skipIf(!moddable)("the firmware on the Moddable toolchain", () => {
  afterAll(() => closeTerminals());

  it.skipIf(!hasTmux)(`pantau build --board ${first!.board} in a terminal: a bar over the modules compiled, the link's figures, then says ESP-IDF v6.0 is needed for the rest`, async () => {
    // the terminal's shell inherits this environment: no ESP-IDF
    delete process.env.IDF_PATH;
    const out = tempDir("pantau-build-");
    const term = openTerminal([process.execPath, CLI, "build", "--board", first!.board, "--release", "-o", out], {}, 400, 40);
    try {
      const bar = /\[(#*)(\.*)\] (\d+)\/(\d+) modules compiled/;
      const partial = await waitFor("the bar part way", () => {
        const m = bar.exec(term.screen());
        return m && Number(m[3]) > 0 && Number(m[3]) < Number(m[4]) ? m : undefined;
      }, 300_000, 500);
      expect(partial[1]!.length + partial[2]!.length).toBe(30);
      const screen = await waitFor("the build's end", () => (term.alive() ? undefined : term.screen()), 600_000, 500);
      console.log(`pantau build, at the end:\n${screen}`);
      const done = bar.exec(screen)!;
      expect(done[3]).toBe(done[4]);
      expect(done[1]).toBe("#".repeat(30));
      expect(screen).toContain(`Moddable SDK ${moddable!.version}`);
      const buildDir = join(out, `tmp/${first!.platform}/release/pantau`);
      expect(screen).toContain(`compiled and linked for ${first!.board} (${buildDir}), but the flash image needs ESP-IDF`);
      expect(screen).toContain("install ESP-IDF v6.0:");
      expect(screen).toContain("[exit 1]");
      // xsl's output: the linked XS image as C, ready for the ESP-IDF build
      expect(existsSync(join(buildDir, "mc.xs.c"))).toBe(true);
      const figures = /linked \(xsl\): (\d+) instances, (\d+) keys/.exec(screen);
      expect(figures, "the link's figures on the screen").not.toBeNull();
      const configured = { target: first!, buildDir, creation: parseCreation(readFileSync(join(buildDir, "makefile"), "utf8")) };
      built = { configured, report: readLinkReport(configured, { instances: Number(figures![1]), keys: Number(figures![2]) }, 0) };
    } finally {
      term.close();
    }
  }, 900_000);

  it("compiles every module and links for every board", async () => {
    const rest = await checkFirmware(moddable!, PROJECT_ROOT, tempDir("pantau-mc-"), (r) => console.log(describeBoard(r)), built ? others : [first!, ...others]);
    const results = built ? [built, ...rest] : rest;
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
