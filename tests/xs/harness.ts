// Runs TypeScript from shared/ and firmware/ on the real XS engine, in an @agoric/xsnap worker
// process: the entry module is bundled with esbuild into one script, evaluated in the worker,
// and its exported functions are called through xsnap commands (see ./dispatcher.ts).
//
// @agoric/xsnap's own JS runs under SES, so the first startXs() in a test process calls
// lockdown() there (freezing the JS intrinsics of that process). vitest runs each test file
// in its own fork, so only files that start XS workers are affected.

import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { accessSync, constants as fsConstants, existsSync } from "node:fs";
import * as fsPromises from "node:fs/promises";
import { builtinModules, createRequire } from "node:module";
import { type as osType } from "node:os";
import { basename, dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type Plugin } from "esbuild";
import { decodeWire, encodeWire, type XsReply, type XsRequest } from "./dispatcher.js";

/**
 * What xsnap reports after each command (format `meterType`, currently "xs-meter-36").
 */
export interface XsMeter {
  /** Meter format version reported by @agoric/xsnap, e.g. "xs-meter-36". */
  meterType: string;
  /** XS computation steps spent on this command alone (the per-command "crank" meter). */
  compute: number;
  /** Bytes the XS machine has taken from the OS for its heaps so far; it never shrinks. */
  allocate: number;
  /** Slots in use in the XS heap after the command, garbage not yet collected included. */
  currentHeapCount: number;
  /** Wall-clock seconds (µs precision) when the worker got the command and when it replied. */
  timestamps: number[];
  [k: string]: unknown;
}

export interface XsSession {
  /** Call an exported function of the entry module; values cross as described in dispatcher.ts. */
  call<T = unknown>(fn: string, ...args: unknown[]): Promise<{ value: T; meter: XsMeter }>;
  /** Force a full XS garbage collection; the meter's currentHeapCount is then the live heap. */
  gc(): Promise<XsMeter>;
  /** Stop the worker (a clean quit, or a kill after a grace period). Safe to call twice. */
  close(): Promise<void>;
  /** Process id of the xsnap worker, so tests can check it is gone after close(). */
  readonly pid: number;
}

export interface StartXsOptions {
  /** Worker name, shown in xsnap's error messages. */
  name?: string;
  /** Compute budget per call (xsnap kills the worker past it); 0 means unlimited. */
  meteringLimit?: number;
  /** Where XS print() output goes; ignored by default. */
  stdout?: "inherit" | "ignore";
}

/** An exception thrown by code running on XS, carried over to Node. */
export class XsError extends Error {
  override name = "XsError";
  constructor(
    readonly fn: string,
    readonly xsName: string,
    readonly xsMessage: string,
    readonly xsStack: string,
  ) {
    super(`${fn}() threw on XS: ${xsName}: ${xsMessage}${xsStack ? `\nXS stack:\n${xsStack}` : ""}`);
  }
}

interface XsnapResult {
  reply: Uint8Array;
  meterUsage: Record<string, unknown>;
}

interface XsnapWorker {
  evaluate(code: string): Promise<XsnapResult>;
  issueCommand(message: Uint8Array): Promise<XsnapResult>;
  close(): Promise<void>;
  terminate(): Promise<void>;
}

interface XsnapModule {
  xsnap(options: {
    os: string;
    spawn: (command: string, args: string[], options: SpawnOptions) => ChildProcess;
    fs: object;
    name: string;
    meteringLimit: number;
    stdout: "inherit" | "ignore";
    stderr: "inherit";
  }): Promise<XsnapWorker>;
}

const HERE = dirname(fileURLToPath(import.meta.url));
// Built into dist/ (the bench runs XS from there), the dispatcher beside this file is compiled JS.
const DISPATCHER = resolve(HERE, existsSync(resolve(HERE, "dispatcher.ts")) ? "dispatcher.ts" : "dispatcher.js");
const CLOSE_GRACE_MS = 5000;
const NPM_CI_HINT = "run `npm ci` so that @agoric/xsnap's install script builds its XS worker (needs cc and make)";

// The worker has TextEncoder/TextDecoder, Moddable devices do not: hide them so that code
// which leans on them fails here as it would on the device.
const HIDE_HOST_GLOBALS = "delete globalThis.TextEncoder; delete globalThis.TextDecoder;";

function xsnapPackageJson(): string {
  try {
    return createRequire(import.meta.url).resolve("@agoric/xsnap/package.json");
  } catch {
    throw new Error(`@agoric/xsnap is not installed: ${NPM_CI_HINT}`);
  }
}

/** Path of the native worker, checked to exist before anything is spawned. */
export function xsnapWorkerBinary(): string {
  const platform = ({ Linux: "lin", Darwin: "mac" } as Record<string, string>)[osType()];
  if (!platform) throw new Error(`xsnap has no worker for ${osType()}`);
  const bin = resolve(dirname(xsnapPackageJson()), "xsnap-native/xsnap/build/bin", platform, "release/xsnap-worker");
  try {
    accessSync(bin, fsConstants.X_OK);
  } catch {
    throw new Error(`the XS worker binary is missing at ${bin}: ${NPM_CI_HINT}`);
  }
  return bin;
}

let xsnapModule: Promise<XsnapModule> | undefined;

// Specifiers held in `string` variables: these packages ship no type declarations.
function loadXsnap(): Promise<XsnapModule> {
  xsnapModule ??= (async () => {
    const requireFromXsnap = createRequire(xsnapPackageJson());
    if (typeof (globalThis as { harden?: unknown }).harden !== "function") {
      // The "legacy" lockdown keeps Error stacks and overridable prototypes, which vitest needs.
      const lockdown: string = pathToFileURL(requireFromXsnap.resolve("@endo/init/legacy.js")).href;
      await import(lockdown);
    }
    const xsnapEntry: string = "@agoric/xsnap";
    return (await import(xsnapEntry)) as XsnapModule;
  })();
  return xsnapModule;
}

const NODE_BUILTINS = new Set(builtinModules);

const noNodeBuiltins: Plugin = {
  name: "no-node-builtins",
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^[^./]/ }, (args) => {
      if (!args.path.startsWith("node:") && !NODE_BUILTINS.has(args.path)) return undefined;
      return {
        errors: [{ text: `"${args.path}" is a Node built-in; code that runs on XS must not import it` }],
      };
    });
  },
};

function entrySource(entryPath: string): string {
  return [
    `import { installDispatcher } from ${JSON.stringify(DISPATCHER)};`,
    `import * as entry from ${JSON.stringify(entryPath)};`,
    `installDispatcher(entry);`,
  ].join("\n");
}

async function buildBundle(entryPath: string): Promise<string> {
  try {
    const result = await build({
      stdin: { contents: entrySource(entryPath), resolveDir: HERE, sourcefile: "xs-entry.ts", loader: "ts" },
      bundle: true,
      write: false,
      format: "iife",
      platform: "neutral",
      target: "es2022",
      banner: { js: HIDE_HOST_GLOBALS },
      plugins: [noNodeBuiltins],
      logLevel: "silent",
    });
    const [output] = result.outputFiles;
    if (!output) throw new Error("esbuild produced no output");
    return output.text;
  } catch (e) {
    throw new Error(`bundling ${entryPath} for XS failed: ${errorMessage(e)}`, { cause: e });
  }
}

const bundles = new Map<string, Promise<string>>();

/** The entry module plus the command dispatcher as one XS script; cached per file per process. */
export function bundleForXs(entryFile: string): Promise<string> {
  const entryPath = resolve(entryFile);
  let bundle = bundles.get(entryPath);
  if (!bundle) {
    bundle = buildBundle(entryPath);
    bundles.set(entryPath, bundle);
    bundle.catch(() => bundles.delete(entryPath));
  }
  return bundle;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function toMeter(usage: Record<string, unknown>): XsMeter {
  const { compute, allocate, currentHeapCount } = usage;
  if (typeof compute !== "number" || typeof allocate !== "number" || typeof currentHeapCount !== "number") {
    throw new Error(`xsnap reported no meter figures: ${JSON.stringify(usage)}`);
  }
  const timestamps = Array.isArray(usage.timestamps) ? (usage.timestamps as number[]) : [];
  return { ...usage, meterType: String(usage.meterType), compute, allocate, currentHeapCount, timestamps };
}

function replyOf(fn: string, bytes: Uint8Array): unknown {
  const reply = decodeWire(bytes) as XsReply;
  if (!reply.ok) throw new XsError(fn, reply.error.name, reply.error.message, reply.error.stack);
  return reply.value;
}

async function stopWorker(worker: XsnapWorker): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<boolean>((done) => (timer = setTimeout(() => done(false), CLOSE_GRACE_MS)));
  // A worker that already died (e.g. out of compute) rejects close(): it is stopped all the same.
  const quit = worker.close().then(() => true, () => true);
  const quitInTime = await Promise.race([quit, graceOver]);
  clearTimeout(timer);
  if (!quitInTime) await worker.terminate();
}

function makeSession(worker: XsnapWorker, name: string, pid: number): XsSession {
  let closing: Promise<void> | undefined;
  return {
    pid,
    async call<T>(fn: string, ...args: unknown[]) {
      let result: XsnapResult;
      try {
        result = await worker.issueCommand(encodeWire({ fn, args } satisfies XsRequest));
      } catch (e) {
        throw new Error(`XS worker ${name} failed during ${fn}(): ${errorMessage(e)}`, { cause: e });
      }
      return { value: replyOf(fn, result.reply) as T, meter: toMeter(result.meterUsage) };
    },
    async gc() {
      // Through the dispatcher, not evaluate(): each evaluated script leaves a slot behind.
      const result = await worker.issueCommand(encodeWire({ gc: true } satisfies XsRequest));
      replyOf("gc", result.reply);
      return toMeter(result.meterUsage);
    },
    close() {
      closing ??= stopWorker(worker);
      return closing;
    },
  };
}

/** Start an xsnap worker running `entryFile` (bundled by bundleForXs). Close it in afterAll. */
export async function startXs(entryFile: string, opts: StartXsOptions = {}): Promise<XsSession> {
  xsnapWorkerBinary();
  const name = opts.name ?? `xs-${basename(entryFile)}`;
  const [code, { xsnap }] = await Promise.all([bundleForXs(entryFile), loadXsnap()]);
  const spawned: { child?: ChildProcess } = {};
  const worker = await xsnap({
    os: osType(),
    spawn: (command, args, options) => (spawned.child = spawn(command, args, options)),
    fs: fsPromises,
    name,
    meteringLimit: opts.meteringLimit ?? 1e8,
    stdout: opts.stdout ?? "ignore",
    stderr: "inherit",
  });
  const pid = spawned.child?.pid;
  try {
    if (pid === undefined) throw new Error("xsnap did not spawn a worker process");
    await worker.evaluate(code);
  } catch (e) {
    await worker.terminate();
    throw new Error(`loading ${entryFile} into XS failed: ${errorMessage(e)}`, { cause: e });
  }
  return makeSession(worker, name, pid);
}
