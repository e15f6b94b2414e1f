// `npm run firmware:check`: the firmware through the real Moddable tools ($MODDABLE when set, else
// the SDK beside the project). Checks the preloaded modules are preload-safe, compiles and links
// every board in manifest.json and prints what was compiled and the link figures, then runs each
// role on the Moddable runtime (host.ts) and prints its stack and heap against every board's
// creation values. Exits non-zero on a type error, an unresolved module, a link error, a failed
// run or a margin under 25 %.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { boardTargets, configure, link, mcconfigArgs, preloadedModules, readManifest, type BoardTarget, type Configured, type LinkReport } from "./board.js";
import { buildHost, runHost, SCENARIO_HOURS } from "./host.js";
import { describeMargins, margins } from "./margins.js";
import { preloadHazards } from "./preload-safety.js";
import { prepareSdk, type Sdk } from "./sdk.js";

export interface BoardResult {
  configured: Configured;
  report: LinkReport;
}

/** Configures and links each board's release build (every board by default), one after the other (each uses both cores). */
export async function checkFirmware(
  sdk: Sdk, projectRoot: string, outDir: string, onBoard?: (result: BoardResult) => void, targets: BoardTarget[] = boardTargets(readManifest(projectRoot)),
): Promise<BoardResult[]> {
  const results: BoardResult[] = [];
  for (const target of targets) {
    const configured = await configure(sdk, projectRoot, target, join(outDir, target.board), { debug: false });
    const result = { configured, report: await link(sdk, projectRoot, configured) };
    onBoard?.(result);
    results.push(result);
  }
  return results;
}

export function describeBoard({ configured, report: r }: BoardResult): string {
  const c = r.linkedCreation;
  return [
    `${configured.target.board} (mcconfig ${mcconfigArgs(configured.target, { debug: false }).join(" ")}), ${r.seconds.toFixed(0)} s`,
    `  compiled: ${r.projectModules} Pantau modules (tsc, xsc) and ${r.sdkModules} SDK modules; preloaded in flash: ${r.projectPreloaded} Pantau, ${r.sdkPreloaded} SDK`,
    `  linked (xsl): ${r.instances} instances, ${r.keys} keys, ${r.flashSlots} slots in flash`,
    `  creation in the image: JS stack ${c.stackSlots} slots, heap ${c.heapSlots} slots, chunks ${c.chunkBytes} bytes, keys ${c.keysInitial}+${c.keysIncrement}, static ${c.staticBytes} bytes`,
  ].join("\n");
}

async function main(): Promise<void> {
  const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
  const sdk = await prepareSdk({ projectRoot, log: (line) => console.log(line) });
  console.log(`Moddable SDK ${sdk.version}: ${sdk.origin}`);
  const preloaded = preloadedModules(projectRoot);
  const hazards = preloadHazards(preloaded.map((name) => join(projectRoot, `${name}.ts`)));
  if (hazards.length > 0) throw new Error(`modules not safe to preload:\n${hazards.map((h) => `  ${h.file}:${h.line}: ${h.message}`).join("\n")}`);
  console.log(`preload safety: ${preloaded.length} preloaded modules, nothing written at module level at run time`);
  const outDir = mkdtempSync(join(tmpdir(), "pantau-firmware-check-"));
  try {
    const results = await checkFirmware(sdk, projectRoot, outDir, (result) => console.log(describeBoard(result)));
    const host = await buildHost(sdk, projectRoot, join(outDir, "host"));
    console.log(`host program (x-cli-lin, modules preloaded as on the device) built in ${host.seconds.toFixed(0)} s`);
    let short = 0;
    for (const [role, hours] of Object.entries(SCENARIO_HOURS)) {
      const run = await runHost(host, role, hours);
      console.log(`${role}: ${hours} h simulated in ${run.seconds.toFixed(0)} s, ${run.frames.length} frames, ${run.acks} acked`);
      for (const { configured } of results) {
        const list = margins(run, host.linkedKeys, configured.creation);
        short += list.filter((m) => !m.ok).length;
        console.log(`  ${configured.target.board}: ${describeMargins(role, list)}`);
      }
    }
    if (short > 0) throw new Error(`${short} creation values leave less than 25 % over the measured need (manifest.json "creation")`);
    console.log(`firmware check passed: ${results.length} boards compiled and linked, ${Object.keys(SCENARIO_HOURS).length} roles run on the Moddable runtime`);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(`firmware check failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
