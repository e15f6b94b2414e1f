// `npm run firmware:check`: compiles and links the firmware for every board in manifest.json with
// the real Moddable tools ($MODDABLE when set, else the SDK beside the project) and prints, per
// board, what was compiled and the link figures. Exits non-zero on a type error, an unresolved
// module or a link error.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { boardTargets, configure, link, mcconfigArgs, readManifest, type Configured, type LinkReport } from "./board.js";
import { prepareSdk, type Sdk } from "./sdk.js";

export interface BoardResult {
  configured: Configured;
  report: LinkReport;
}

/** Configures and links every board's release build, one after the other (each uses both cores). */
export async function checkFirmware(sdk: Sdk, projectRoot: string, outDir: string, onBoard?: (result: BoardResult) => void): Promise<BoardResult[]> {
  const results: BoardResult[] = [];
  for (const target of boardTargets(readManifest(projectRoot))) {
    const configured = await configure(sdk, projectRoot, target, join(outDir, target.board), { debug: false });
    const result = { configured, report: await link(sdk, projectRoot, configured) };
    onBoard?.(result);
    results.push(result);
  }
  return results;
}

export function describeBoard({ configured, report: r }: BoardResult): string {
  const c = configured.creation;
  return [
    `${configured.target.board} (mcconfig ${mcconfigArgs(configured.target, { debug: false }).join(" ")}), ${r.seconds.toFixed(0)} s`,
    `  compiled: ${r.projectModules} Pantau modules (tsc, xsc) and ${r.sdkModules} SDK modules; preloaded in flash: ${r.projectPreloaded} Pantau, ${r.sdkPreloaded} SDK`,
    `  linked (xsl): ${r.instances} instances, ${r.keys} keys, ${r.flashSlots} slots in flash`,
    `  creation: JS stack ${c.stackSlots} slots, heap ${c.heapSlots} slots, chunks ${c.chunkBytes} bytes, keys ${c.keysInitial}+${c.keysIncrement}, static ${c.staticBytes} bytes`,
  ].join("\n");
}

async function main(): Promise<void> {
  const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
  const sdk = await prepareSdk({ projectRoot, log: (line) => console.log(line) });
  console.log(`Moddable SDK ${sdk.version}: ${sdk.origin}`);
  const outDir = mkdtempSync(join(tmpdir(), "pantau-firmware-check-"));
  try {
    const results = await checkFirmware(sdk, projectRoot, outDir, (result) => console.log(describeBoard(result)));
    console.log(`firmware check passed: ${results.length} boards compiled and linked`);
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
