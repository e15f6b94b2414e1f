import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { boardTargets, configure, linkOnlyArgs, listed, readLinkReport, readManifest, toolEnv, xslFigures, type BoardTarget } from "../firmware-build/board.js";
import { prepareSdk, tail, type Sdk } from "../firmware-build/sdk.js";
import { INSTALL_ESP_IDF, INSTALL_SDK, missingEspIdf } from "../firmware-build/toolchain.js";
import { CliError } from "./errors.js";

export const PROJECT_ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../..");

/** The board named on the command line, from manifest.json's boards. */
export function boardNamed(name: string): BoardTarget {
  const targets = boardTargets(readManifest(PROJECT_ROOT));
  const target = targets.find((t) => t.board === name);
  if (!target) throw new CliError(`no board "${name}" in manifest.json`, `use one of: ${targets.map((t) => t.board).join(", ")}`, 2);
  return target;
}

export async function sdkOrExplain(): Promise<Sdk> {
  try {
    return await prepareSdk({ projectRoot: PROJECT_ROOT, log: (line) => process.stderr.write(`${line}\n`) });
  } catch (err) {
    throw new CliError(`the Moddable SDK is missing or unusable: ${(err as Error).message}`, INSTALL_SDK);
  }
}

/** Runs the build's makefile, counting the modules xsc compiles (a bar on a terminal); resolves with its output. */
function make(sdk: Sdk, buildDir: string, args: string[], total: number): Promise<string> {
  const tty = process.stderr.isTTY === true;
  let done = 0;
  let output = "";
  const bar = () => {
    const width = 30;
    const filled = Math.round((done / Math.max(1, total)) * width);
    process.stderr.write(`\r  [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} modules compiled`);
  };
  return new Promise((resolveDone, reject) => {
    const child = spawn("make", args, { cwd: buildDir, env: toolEnv(sdk, PROJECT_ROOT) });
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      const compiled = text.split("\n").filter((l) => l.startsWith("# xsc ")).length;
      if (compiled === 0) return;
      done += compiled;
      if (tty) bar();
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("error", reject);
    child.once("exit", (code) => {
      if (tty) process.stderr.write("\n");
      if (code === 0) resolveDone(output);
      else reject(new CliError(`the build failed (make in ${buildDir}):\n${tail(output)}`));
    });
  });
}

export function buildCommand(program: Command): void {
  program
    .command("build")
    .description("build the firmware for a board with the Moddable SDK (and ESP-IDF for the flash image)")
    .requiredOption("--board <board>", "a board map of manifest.json, e.g. nodemcu")
    .option("--release", "a field image (no debugger)")
    .option("-o, --out <dir>", "build folder", "build")
    .addHelpText("after", "\nWithout ESP-IDF the build stops after the XS link and says what to install. Exit codes: 0 built, 1 failed or stopped for a missing tool, 2 usage error.")
    .action(async (opts: { board: string; release?: boolean; out: string }) => {
      const target = boardNamed(opts.board);
      const sdk = await sdkOrExplain();
      process.stderr.write(`Moddable SDK ${sdk.version}: ${sdk.origin}\n`);
      const configured = await configure(sdk, PROJECT_ROOT, target, resolve(opts.out), { debug: !opts.release });
      const makefile = readFileSync(join(configured.buildDir, "makefile"), "utf8");
      const total = listed(makefile, "MODULES").filter((m) => m.endsWith(".xsb")).length;
      const idf = missingEspIdf();
      const started = Date.now();
      // without ESP-IDF, only what needs none: every module through tsc and xsc, and the xsl link
      const output = await make(sdk, configured.buildDir, idf ? linkOnlyArgs(configured.buildDir) : ["-j2", "-f", "makefile"], total);
      const report = readLinkReport(configured, xslFigures(configured, output), (Date.now() - started) / 1000);
      // loaded here, not with the CLI: it brings the TypeScript compiler (preload safety), which
      // every other command, the gateway above all, would otherwise load and keep (35 MiB, ~0.5 s)
      const { describeBoard } = await import("../firmware-build/check.js");
      process.stdout.write(`${describeBoard({ configured, report })}\n`);
      if (idf) throw new CliError(`compiled and linked for ${opts.board} (${configured.buildDir}), but the flash image needs ESP-IDF: ${idf}`, INSTALL_ESP_IDF);
      process.stdout.write(`built the ${opts.release ? "release" : "debug"} image for ${opts.board} in ${configured.buildDir}\nnext: pantau flash --board ${opts.board} --port /dev/ttyUSB0\n`);
    });
}
