// Finds the Moddable SDK and its command-line tools (mcconfig, xsc, xsl, ...). A technician's own
// SDK ($MODDABLE, tools built as Moddable's Getting Started says) is used as it is. Otherwise the
// SDK beside the project (../shared/moddable-sdk, read-only) is copied once into the system temp
// folder, keyed by its version, and only its command-line tools are built there: later runs, and
// other checkouts on the same machine, reuse that copy.

import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface Sdk {
  /** the SDK folder builds run against ($MODDABLE for mcconfig) */
  root: string;
  /** from tools/VERSION, e.g. "8.2.3" */
  version: string;
  /** folder holding mcconfig, xsc, xsl, ... */
  bin: string;
  /** where it came from, for people reading the output */
  origin: string;
}

export interface SdkOptions {
  /** the project's root folder (holds manifest.json) */
  projectRoot: string;
  /** defaults to process.env */
  env?: NodeJS.ProcessEnv;
  /** where the shared copy gets its tools built; defaults to the system temp folder */
  cacheDir?: string;
  /** progress lines for people */
  log?: (line: string) => void;
}

/** The SDK beside the project; CI and these machines have it read-only. */
export function sharedSdkPath(projectRoot: string): string {
  return resolve(projectRoot, "../shared/moddable-sdk");
}

/** The tools folder of a host platform: build/bin/<lin|mac>/release. */
function binFolder(root: string): string {
  return join(root, "build/bin", process.platform === "darwin" ? "mac" : "lin", "release");
}

function sdkVersion(root: string): string {
  const file = join(root, "tools/VERSION");
  if (!existsSync(file)) throw new Error(`${root} is not a Moddable SDK (no tools/VERSION)`);
  return readFileSync(file, "utf8").trim();
}

/** Tools present: the last ones the tools makefile builds. */
function hasTools(bin: string): boolean {
  return ["xsc", "xsl", "mcconfig", "mcrun"].every((tool) => existsSync(join(bin, tool)));
}

/** Where the SDK is, without building anything: $MODDABLE when set, the shared copy otherwise. */
export function locateSdk(options: SdkOptions): { root: string; version: string; fromEnv: boolean } {
  const env = options.env ?? process.env;
  const fromEnv = Boolean(env.MODDABLE);
  const root = fromEnv ? resolve(env.MODDABLE!) : sharedSdkPath(options.projectRoot);
  if (!existsSync(root)) {
    throw new Error(fromEnv
      ? `MODDABLE is ${root}, which does not exist: point it at a Moddable SDK checkout`
      : `no Moddable SDK: set MODDABLE to a Moddable SDK checkout (none at ${root} either)`);
  }
  return { root, version: sdkVersion(root), fromEnv };
}

/** The SDK with its command-line tools built: locates it, and builds the shared copy's tools once. */
export async function prepareSdk(options: SdkOptions): Promise<Sdk> {
  const found = locateSdk(options);
  if (found.fromEnv) {
    const bin = binFolder(found.root);
    if (!hasTools(bin)) {
      throw new Error(`the Moddable tools are not built in $MODDABLE (${found.root}): run make in ${join(found.root, "build/makefiles/lin")}`);
    }
    return { root: found.root, version: found.version, bin, origin: `$MODDABLE (${found.root})` };
  }
  if (process.platform !== "linux") throw new Error("building the Moddable tools from the shared SDK is done on Linux; elsewhere set MODDABLE");
  const cacheDir = options.cacheDir ?? tmpdir();
  const root = join(cacheDir, `pantau-moddable-sdk-${found.version}`);
  const bin = binFolder(root);
  if (!hasTools(bin)) await buildToolsOnce(found.root, root, cacheDir, options.log ?? (() => {}));
  return { root, version: found.version, bin, origin: `${found.root}, tools built in ${root}` };
}

const LOCK_STALE_MS = 10 * 60_000;

/**
 * Copies the SDK and builds its tools in a private folder, then renames it into place, so a
 * reader never sees a half-built copy. A lock folder keeps concurrent runs (parallel test files,
 * other checkouts) from building it twice; a lock older than LOCK_STALE_MS is from a run that died.
 */
async function buildToolsOnce(source: string, root: string, cacheDir: string, log: (line: string) => void): Promise<void> {
  mkdirSync(cacheDir, { recursive: true });
  const lock = `${root}.lock`;
  for (;;) {
    if (hasTools(binFolder(root))) return;
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs > LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true });
      await new Promise((done) => setTimeout(done, 1000));
    }
  }
  try {
    if (hasTools(binFolder(root))) return;
    const work = `${root}.building-${process.pid}`;
    rmSync(work, { recursive: true, force: true });
    log(`copying the Moddable SDK from ${source} to ${root}`);
    cpSync(source, work, { recursive: true });
    await chmodWritable(work);
    log("building the Moddable command-line tools (about 35 s on 2 cores)");
    await buildTools(work);
    writeFileSync(join(work, "PANTAU-COPY"), `Copied from ${source}; only the command-line tools are built here.\n`);
    rmSync(root, { recursive: true, force: true });
    renameSync(work, root);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** The shared SDK is read-only; its copy must not be, or make cannot write object files. */
async function chmodWritable(dir: string): Promise<void> {
  await run("chmod", ["-R", "u+w", dir]);
}

/** The command-line tools only (the full makefile also builds xsbug and the simulator, which need GTK). */
async function buildTools(root: string): Promise<void> {
  const env = { ...process.env, MODDABLE: root, XS_DIR: join(root, "xs"), BUILD_DIR: join(root, "build") };
  const cwd = join(root, "build/makefiles/lin");
  const makefiles = ["xsc", "xsid", "xsl"].map((tool) => join(root, `xs/makefiles/lin/${tool}.mk`)).concat("tools.mk");
  for (const makefile of makefiles) {
    try {
      await run("make", ["-j2", "GOAL=release", "-f", makefile], { cwd, env, maxBuffer: 64 << 20 });
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string; message: string };
      throw new Error(`building the Moddable tools failed (make -f ${makefile}; needs build-essential, pkg-config and libglib2.0-dev):\n${tail(e.stderr || e.stdout || e.message)}`);
    }
  }
}

/** The last lines of a tool's output: where the error is. */
export function tail(text: string, lines = 40): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}
