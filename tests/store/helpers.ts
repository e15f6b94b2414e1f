import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../support/temp.js";

export { reading } from "../support/readings.js";
export { DAY, MINUTE, T0 } from "../support/time.js";

/** A fresh folder per test file for store files; `cleanup` removes it with every SQLite file in it. */
export function storeFiles(prefix = "pantau-store-"): { dir: string; file: (name?: string) => string; cleanup: () => void } {
  const dir = tempDir(prefix);
  mkdirSync(join(dir, "data"));
  let n = 0;
  return {
    dir,
    file: (name = `store-${n++}.db`) => join(dir, "data", name),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
