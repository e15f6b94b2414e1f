// Every module a device preloads is safe to preload: nothing written at run time lives at module
// level (gateway/firmware-build/preload-safety.ts). The Moddable host run (tests/moddable/)
// checks the same on the real runtime.

import { readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { preloadedModules } from "../../gateway/firmware-build/board.js";
import { preloadHazards } from "../../gateway/firmware-build/preload-safety.js";
import { tempDir } from "../support/temp.js";

const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** Every module a device build compiles from firmware/ and shared/ (the simulator and host run never go on a device). */
function deviceModules(dir: string): string[] {
  return readdirSync(join(PROJECT_ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return ["firmware/sim", "firmware/host", "firmware/typings", "firmware/native"].includes(path) ? [] : deviceModules(path);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [path.slice(0, -3)] : [];
  });
}

describe("preload safety", () => {
  it("preloads every module of the device build (mcconfig's wildcards do not preload TypeScript: name each in firmware/manifest.json)", () => {
    const preloaded = new Set(preloadedModules(PROJECT_ROOT));
    expect([...deviceModules("firmware"), ...deviceModules("shared")].filter((m) => !preloaded.has(m))).toEqual([]);
  });

  it("finds nothing written at run time at module level in the preloaded modules", () => {
    const files = preloadedModules(PROJECT_ROOT).map((name) => join(PROJECT_ROOT, `${name}.ts`));
    expect(files.length).toBeGreaterThan(50);
    expect(preloadHazards(files)).toEqual([]);
  });

  it("flags module-level scratch buffers written by a function, and module-level bindings assigned, but not while the module loads", () => {
    const dir = tempDir("pantau-preload-");
    writeFileSync(join(dir, "scratch.ts"), [
      "const W = new Uint32Array(64);",
      "export const TAIL = new Uint8Array(128);",
      "const K = new Uint32Array([1, 2]);",
      "let calls = 0;",
      "const seen: number[] = [];",
      "export function hash(data: Uint8Array): number {",
      "  W[0] = data[0]!;",
      "  TAIL.fill(0);",
      "  calls++;",
      "  seen.push(K[0]!);",
      "  return W[0]! + calls;",
      "}",
      "let registered = 0;",
      "function register(): void { registered++; W[1] = 1; }",
      "register();",
    ].join("\n"));
    writeFileSync(join(dir, "user.ts"), "import { TAIL } from \"./scratch.js\";\nexport function pad(): void { TAIL[3] = 0x80; }\n");
    const found = preloadHazards([join(dir, "scratch.ts"), join(dir, "user.ts")]).map((h) => `${h.file.slice(dir.length + 1)}:${h.line} ${h.message}`);
    expect(found).toEqual([
      "scratch.ts:7 module-level buffer W is written at run time (read-only once preloaded)",
      "scratch.ts:8 module-level buffer TAIL is written at run time by fill() (read-only once preloaded)",
      "scratch.ts:9 module-level binding calls is assigned at run time",
      "user.ts:2 module-level buffer TAIL is written at run time (read-only once preloaded)",
    ]);
  });
});
