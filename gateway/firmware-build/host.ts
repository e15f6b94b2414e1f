// The firmware on the Moddable runtime without a board: firmware/host/manifest.json built for
// the x-cli-lin target (a headless Linux program on the real XS runtime, the modules preloaded as
// in the device build), then run for one role at a time. The program prints the frames the
// gateway would receive and the machine's measured margins (see firmware/host/main.c).

import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { configureBuild, parseCreation, runTool, type Creation } from "./board.js";
import type { Sdk } from "./sdk.js";

const run = promisify(execFile);

/** Simulated hours per role (firmware/host/scenario.ts): the loop role reads its counters every 20 ms, so it runs shortest. */
export const SCENARIO_HOURS: Readonly<Record<string, number>> = { loop: 1, sign: 3, flood: 3, bridge: 3 };

export interface HostBuild {
  binary: string;
  creation: Creation;
  /** keys xsl linked into the program (in flash on a device) */
  linkedKeys: number;
  seconds: number;
}

/** One measurement of the XS machine, after a full garbage collection. */
export interface Measure {
  /** JS stack high-water mark so far, slots */
  stack: number;
  /** live heap slots now, the most seen live (sampled each simulated minute), and the peak with garbage */
  slots: number;
  slotsMax: number;
  slotsPeak: number;
  /** live chunk bytes, likewise (a 64-bit host: pointers take 8 bytes there, 4 on an ESP32) */
  chunks: number;
  chunksMax: number;
  chunksPeak: number;
  /** keys in the machine (those linked in flash and those made at run time) */
  keys: number;
}

export interface HostRun {
  units: { deviceId: number; role: string; key: string }[];
  /** every frame the gateway received, in order */
  frames: Uint8Array[];
  /** what the units traced (errors they caught and carried on after) */
  traces: string[];
  boot: Measure;
  end: Measure;
  acks: number;
  seconds: number;
}

/** Builds the host program (mcconfig -i -p x-cli-lin, then make); -i keeps the stack high-water mark. */
export async function buildHost(sdk: Sdk, projectRoot: string, outDir: string): Promise<HostBuild> {
  const started = Date.now();
  mkdirSync(outDir, { recursive: true });
  const buildDir = await configureBuild(sdk, projectRoot, ["-i", "-p", "x-cli-lin", "-o", outDir, join(projectRoot, "firmware/host/manifest.json")],
    join(outDir, "tmp/lin/instrument/pantau-host"));
  const output = await runTool(sdk, projectRoot, "make", ["-j2", "-f", "makefile"], buildDir, "building the host program");
  const linked = /### \d+ instances, (\d+) keys/.exec(output);
  if (!linked) throw new Error(`xsl printed no link figures for the host program:\n${output.slice(-2000)}`);
  const binary = join(outDir, "bin/lin/instrument/pantau-host");
  if (!existsSync(binary)) throw new Error(`the host build made no ${binary}`);
  return {
    binary, creation: parseCreation(readFileSync(join(buildDir, "makefile"), "utf8")), linkedKeys: Number(linked[1]), seconds: (Date.now() - started) / 1000,
  };
}

/** Runs one role's scenario for `hours` of simulated time. */
export async function runHost(build: HostBuild, role: string, hours: number): Promise<HostRun> {
  const started = Date.now();
  let stdout: string;
  try {
    ({ stdout } = await run(build.binary, [role, String(hours)], { maxBuffer: 256 << 20 }));
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`the ${role} host run failed: ${e.stderr?.trim() || e.message}`);
  }
  const result: Partial<HostRun> & { units: HostRun["units"]; frames: Uint8Array[]; traces: string[] } = { units: [], frames: [], traces: [] };
  for (const line of stdout.split("\n")) {
    const [word, ...rest] = line.split(" ");
    if (word === "frame") result.frames.push(Uint8Array.from(Buffer.from(rest[0]!, "hex")));
    else if (word === "device") result.traces.push(rest.join(" "));
    else if (word === "unit") result.units.push({ deviceId: Number(rest[0]), role: rest[1]!, key: rest[2]! });
    else if (word === "measure") result[rest[0] === "boot" ? "boot" : "end"] = parseMeasure(rest.slice(1));
    else if (word === "ran") result.acks = Number(/(\d+) acks/.exec(line)?.[1]);
  }
  if (!result.boot || !result.end || result.acks === undefined) throw new Error(`the ${role} host run printed no measurements:\n${stdout.slice(-2000)}`);
  return { ...result, boot: result.boot, end: result.end, acks: result.acks, seconds: (Date.now() - started) / 1000 };
}

function parseMeasure(fields: string[]): Measure {
  const values = Object.fromEntries(fields.map((f) => f.split("=")).map(([k, v]) => [k, Number(v)]));
  const value = (name: keyof Measure): number => {
    const v = values[name];
    if (v === undefined || Number.isNaN(v)) throw new Error(`the host run's measurement has no ${name}`);
    return v;
  };
  return {
    stack: value("stack"), slots: value("slots"), slotsMax: value("slotsMax"), slotsPeak: value("slotsPeak"),
    chunks: value("chunks"), chunksMax: value("chunksMax"), chunksPeak: value("chunksPeak"), keys: value("keys"),
  };
}
