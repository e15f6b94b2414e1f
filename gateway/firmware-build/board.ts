// Builds the firmware for one board with the Moddable tools. configure() runs mcconfig, which
// writes the build's makefile; link() then runs that makefile up to the XS link: every module
// through tsc and xsc, then xsl, which preloads and links them exactly as the device build does.
// Those steps need no ESP-IDF; compiling the C side and flashing do (mcconfig -m, see
// docs/firmware.md). The boards come from manifest.json: each board map in "config.boards" is
// built with the platform that selects it.

import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { tail, type Sdk } from "./sdk.js";

const run = promisify(execFile);

export interface BoardTarget {
  /** the board map's name in manifest.json "config.boards" */
  board: string;
  /** mcconfig's -p value */
  platform: string;
  /** extra mcconfig arguments (config overrides) */
  args: string[];
}

interface ManifestBoards {
  creation: {
    main: string;
    static: number;
    stack: number;
    chunk: { initial: number; incremental: number };
    heap: { initial: number; incremental: number };
  };
  config: { board: string; boards: Record<string, unknown> };
  platforms: Record<string, { config?: { board?: string } }>;
}

export function readManifest(projectRoot: string): ManifestBoards {
  return JSON.parse(readFileSync(join(projectRoot, "manifest.json"), "utf8")) as ManifestBoards;
}

/**
 * The project's preloaded modules: the "preload" lists of manifest.json and of the project
 * manifests it includes ("./..."). Module names mirror source paths (firmware/core/device is
 * firmware/core/device.ts), so these are also the sources that end up in flash.
 */
export function preloadedModules(projectRoot: string, manifestFile = "manifest.json"): string[] {
  const manifest = JSON.parse(readFileSync(join(projectRoot, manifestFile), "utf8")) as { include?: string[]; preload?: string[] };
  const included = (manifest.include ?? []).filter((path) => path.startsWith("./") || path.startsWith("../"))
    .flatMap((path) => preloadedModules(projectRoot, join(dirname(manifestFile), path)));
  return [...(manifest.preload ?? []), ...included];
}

/**
 * One target per board map: the ESP32 subplatform whose entry selects it, or else the generic
 * "esp32" platform with the board chosen on the command line.
 */
export function boardTargets(manifest: ManifestBoards): BoardTarget[] {
  return Object.keys(manifest.config.boards).map((board) => {
    const platform = Object.keys(manifest.platforms).find((p) => p.startsWith("esp32") && manifest.platforms[p]!.config?.board === board);
    return platform ? { board, platform, args: [] } : { board, platform: "esp32", args: [`board=${board}`] };
  });
}

/** mcconfig's arguments for a board; `make` adds -m (build and flash, needs ESP-IDF). */
export function mcconfigArgs(target: BoardTarget, options: { debug: boolean; make?: boolean }): string[] {
  return [...(options.debug ? ["-d"] : []), ...(options.make ? ["-m"] : []), "-p", target.platform, ...target.args];
}

export interface Configured {
  target: BoardTarget;
  /** the generated build folder: makefile, mc.config.js, modules/, mc.xs.c */
  buildDir: string;
  /** the values the tools will create the XS machine with (the makefile's -c) */
  creation: Creation;
}

/** The XS machine's creation values as xsl takes them (-c). */
export interface Creation {
  chunkBytes: number;
  chunkIncrement: number;
  heapSlots: number;
  heapIncrement: number;
  stackSlots: number;
  keysInitial: number;
  keysIncrement: number;
  staticBytes: number;
  main: string;
}

export interface LinkReport {
  /** modules compiled into the image: the project's (TypeScript) and the SDK's */
  projectModules: number;
  sdkModules: number;
  /** modules preloaded (flash-resident): the project's and the SDK's */
  projectPreloaded: number;
  sdkPreloaded: number;
  /** from xsl: objects and keys made at link time, kept in flash */
  instances: number;
  keys: number;
  /** XS slots in flash (mc.xs.c's mxHeapCount) */
  flashSlots: number;
  /** the creation values linked into the image (mc.xs.c's preparation), which the device runs with */
  linkedCreation: Omit<Creation, "main">;
  seconds: number;
}

export function toolEnv(sdk: Sdk, projectRoot: string): NodeJS.ProcessEnv {
  // mcconfig compiles .ts modules with the tsc it finds on PATH: the project's own TypeScript.
  const path = [sdk.bin, join(projectRoot, "node_modules/.bin"), process.env.PATH ?? ""].join(":");
  return { ...process.env, MODDABLE: sdk.root, PATH: path };
}

/** Runs a Moddable tool (or make) with the SDK's environment; on failure, the error says what failed and shows the end of its output. */
export async function runTool(sdk: Sdk, projectRoot: string, command: string, args: string[], cwd: string, what: string): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd, env: toolEnv(sdk, projectRoot), maxBuffer: 64 << 20 });
    return `${stdout}${stderr}`;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    const output = `${e.stdout ?? ""}${e.stderr ?? ""}` || e.message;
    throw new Error(`${what} failed:\n${tail(output)}`);
  }
}

/** Runs mcconfig, which writes the build's makefile into buildDir (inside its -o folder). */
export async function configureBuild(sdk: Sdk, projectRoot: string, args: string[], buildDir: string): Promise<string> {
  await runTool(sdk, projectRoot, "mcconfig", args, projectRoot, `mcconfig ${args.join(" ")}`);
  if (!existsSync(join(buildDir, "makefile"))) throw new Error(`mcconfig wrote no makefile in ${buildDir}`);
  return buildDir;
}

/** Runs mcconfig for a board, writing the build into outDir (created if missing). */
export async function configure(sdk: Sdk, projectRoot: string, target: BoardTarget, outDir: string, options: { debug: boolean }): Promise<Configured> {
  mkdirSync(outDir, { recursive: true });
  const args = [...mcconfigArgs(target, options), "-o", outDir, join(projectRoot, "manifest.json")];
  // mcconfig's layout: tmp/<platform>[/<subplatform>]/<debug|release>/<name>
  const buildDir = await configureBuild(sdk, projectRoot, args, join(outDir, "tmp", target.platform, options.debug ? "debug" : "release", "pantau"));
  return { target, buildDir, creation: parseCreation(readFileSync(join(buildDir, "makefile"), "utf8")) };
}

/**
 * make's arguments for everything that needs no ESP-IDF: every module through tsc and xsc, then
 * the xsl link. The makefile refuses to load without ESP-IDF and makes mc.xs.c wait for ESP-IDF's
 * sdkconfig.h: both are for the C build, which this stops short of. Command-line values override them.
 */
export function linkOnlyArgs(buildDir: string): string[] {
  return ["-j2", "-f", "makefile", "IDF_PATH=/esp-idf-not-needed", "IDF_VERSION=link-only", "SDKCONFIG_H=", join(buildDir, "mc.xs.c")];
}

/** Compiles every module (tsc, xsc) and links them with xsl, as the device build does. */
export async function link(sdk: Sdk, projectRoot: string, configured: Configured): Promise<LinkReport> {
  const started = Date.now();
  const output = await runTool(sdk, projectRoot, "make", linkOnlyArgs(configured.buildDir), configured.buildDir, `compiling and linking for ${configured.target.board}`);
  return readLinkReport(configured, xslFigures(configured, output), (Date.now() - started) / 1000);
}

/** The objects and keys xsl made at link time, from the build's output. */
export function xslFigures(configured: Configured, makeOutput: string): { instances: number; keys: number } {
  const figures = /### (\d+) instances, (\d+) keys/.exec(makeOutput);
  if (!figures) throw new Error(`xsl printed no link figures for ${configured.target.board}:\n${tail(makeOutput)}`);
  return { instances: Number(figures[1]), keys: Number(figures[2]) };
}

/** What a finished link made: xsl's figures, and what the makefile and the linked image say. */
export function readLinkReport(configured: Configured, figures: { instances: number; keys: number }, seconds: number): LinkReport {
  const { buildDir } = configured;
  const makefile = readFileSync(join(buildDir, "makefile"), "utf8");
  const modules = listed(makefile, "MODULES").filter((m) => m.endsWith(".xsb"));
  const preloads = listed(makefile, "PRELOADS").filter((m) => m.endsWith(".xsb"));
  const isProject = (m: string): boolean => /^(\$\(MODULES_DIR\)\/)?(firmware|shared)\//.test(m);
  const image = readFileSync(join(buildDir, "mc.xs.c"), "utf8");
  const heap = /#define mxHeapCount (\d+)/.exec(image);
  return {
    projectModules: modules.filter(isProject).length,
    sdkModules: modules.filter((m) => !isProject(m)).length,
    projectPreloaded: preloads.filter(isProject).length,
    sdkPreloaded: preloads.filter((m) => !isProject(m)).length,
    ...figures,
    flashSlots: heap ? Number(heap[1]) : 0,
    linkedCreation: creationFields(linkedCreationValues(image)),
    seconds,
  };
}

/** The entries of a makefile list variable (`NAME =\` then one per line). */
export function listed(makefile: string, name: string): string[] {
  const match = new RegExp(`^${name} =\\\\\\n((?:.*\\\\\\n)*.*)`, "m").exec(makefile);
  if (!match) return [];
  return match[1]!.split("\n").map((line) => line.replace(/\\$/, "").trim().replace(/^-p /, "")).filter(Boolean);
}

/** The creation values the makefile passes to xsl (-c, in xsCreation's order, then the main module). */
export function parseCreation(makefile: string): Creation {
  const match = /^CREATION = -c (.*)$/m.exec(makefile);
  if (!match) throw new Error("the generated makefile has no CREATION line");
  const f = match[1]!.split(",");
  return { ...creationFields(f.map(Number)), main: f[12] ?? "" };
}

/** xsl writes the creation into the preparation as one brace of 13 integers. */
function linkedCreationValues(image: string): number[] {
  const match = /^\t\{ (\d+(?:, \d+){12})\},$/m.exec(image);
  if (!match) throw new Error("mc.xs.c holds no creation values");
  return match[1]!.split(", ").map(Number);
}

function creationFields(n: number[]): Omit<Creation, "main"> {
  const at = (i: number): number => n[i] ?? Number.NaN;
  return {
    chunkBytes: at(0), chunkIncrement: at(1), heapSlots: at(2), heapIncrement: at(3), stackSlots: at(4),
    keysInitial: at(5), keysIncrement: at(6), staticBytes: at(11),
  };
}
