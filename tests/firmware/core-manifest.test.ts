// Checks manifest.json against the way Moddable builds and loads the firmware, without the SDK:
// the "modules" map names every module the device entry reaches, and each import the TypeScript
// compiler leaves in the emitted JavaScript resolves the way XS hosts resolve specifiers
// (a trailing ".js" dropped, "./" and "../" taken against the importing module's name).

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");

interface Manifest {
  include?: string[];
  creation: { main: string };
  modules: Record<string, string | string[]>;
  typescript?: { tsconfig: { compilerOptions: Record<string, unknown> } };
  config: { board: string; boards: Record<string, { serial: Record<string, unknown>; lora?: unknown }> };
  platforms: Record<string, { config?: { board: string }; modules?: Record<string, string> }>;
}

/** manifest.json and the project manifests it includes, each with its folder (sources are relative to it). */
function manifests(file = "manifest.json"): { dir: string; manifest: Manifest }[] {
  const manifest = JSON.parse(readFileSync(join(ROOT, file), "utf8")) as Manifest;
  const included = (manifest.include ?? []).filter((p) => p.startsWith("./")).flatMap((p) => manifests(posix.join(posix.dirname(file), p)));
  return [{ dir: posix.dirname(file), manifest }, ...included];
}

const all = manifests();
const manifest = all[0]!.manifest;
const compilerOptions = all.find((m) => m.manifest.typescript)!.manifest.typescript!.tsconfig.compilerOptions;

/** Modules the Moddable SDK itself provides to this build (through the included manifests). */
const SDK_MODULES = new Set([
  "embedded:io/analog", "embedded:io/digital", "embedded:io/pulsecount", "embedded:io/serial", "embedded:io/spi",
  "preference", "sx127x", "time", "timer", "mc/config",
]);

/** Modules of the project's own native manifests (e.g. firmware/native/cycle-timer), by name. */
const NATIVE_MODULES = new Set(all.flatMap(({ manifest: m }) => Object.keys(m.platforms?.esp32?.modules ?? {})));

/** Module name -> source file, expanding "dir/*" the way mcconfig does (one directory, .ts/.js). */
function moduleMap(): Map<string, string> {
  const map = new Map<string, string>();
  for (const { dir: base, manifest: m } of all) for (const [target, value] of Object.entries(m.modules ?? {})) {
    for (const relative of Array.isArray(value) ? value : [value]) {
      const source = `./${posix.normalize(posix.join(base, relative))}`;
      if (source.endsWith("/*")) {
        const dir = source.slice(2, -2);
        for (const file of readdirSync(join(ROOT, dir))) {
          if (/\.(ts|js)$/.test(file) && !file.endsWith(".d.ts")) map.set(target.slice(0, -1) + file.replace(/\.(ts|js)$/, ""), `${dir}/${file}`);
        }
      } else {
        const file = source.slice(2);
        map.set(target.endsWith("*") ? target.slice(0, -1) + posix.basename(file) : target, `${file}.ts`);
      }
    }
  }
  return map;
}

/** Runtime imports left after TypeScript emits the module (type-only imports vanish). */
function emittedImports(file: string): string[] {
  const source = readFileSync(join(ROOT, file), "utf8");
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: compilerOptions.verbatimModuleSyntax === true },
  }).outputText;
  return ts.preProcessFile(js, true, false).importedFiles.map((f) => f.fileName);
}

/** XS host resolution: drop ".js", resolve relative specifiers against the importer's name. */
function resolve(importer: string, specifier: string): string {
  const bare = specifier.replace(/\.m?js$/, "");
  if (!bare.startsWith("./") && !bare.startsWith("../")) return bare;
  return posix.normalize(posix.join(posix.dirname(importer), bare));
}

describe("manifest.json", () => {
  const modules = moduleMap();

  it("maps every module the device entry reaches, and every import resolves on XS", () => {
    const seen = new Set<string>();
    const missing: string[] = [];
    const queue = [manifest.creation.main];
    while (queue.length > 0) {
      const name = queue.pop()!;
      if (seen.has(name)) continue;
      seen.add(name);
      const file = modules.get(name);
      if (!file) {
        if (!SDK_MODULES.has(name) && !NATIVE_MODULES.has(name)) missing.push(name);
        continue;
      }
      for (const specifier of emittedImports(file)) {
        expect(specifier.startsWith("node:"), `${file} imports ${specifier}`).toBe(false);
        queue.push(resolve(name, specifier));
      }
    }
    expect(missing).toEqual([]);
    expect(seen.has("cycle-timer")).toBe(true);
    expect(seen.has("firmware/core/device")).toBe(true);
    expect(seen.has("shared/envelope")).toBe(true);
    expect(seen.has("firmware/roles/bridge/role")).toBe(true);
    expect([...seen].some((n) => n.startsWith("firmware/sim/"))).toBe(false);
  });

  it("names a board map with a host port for every board its platforms select", () => {
    const selected = [manifest.config.board, ...Object.values(manifest.platforms).flatMap((p) => (p.config ? [p.config.board] : []))];
    for (const board of selected) {
      expect(manifest.config.boards[board], board).toBeDefined();
      expect(manifest.config.boards[board]!.serial.host).toBeDefined();
    }
    expect(manifest.config.boards.heltec_lora32_v2?.lora).toBeDefined();
  });
});
