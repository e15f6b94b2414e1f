// The Moddable tools for tests: the SDK beside the project (or $MODDABLE) with its command-line
// tools built once (gateway/firmware-build/sdk.ts). Required in CI (.ci/run installs what the
// build needs); a developer without them gets a loud skip.

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { prepareSdk, type Sdk } from "../../gateway/firmware-build/sdk.js";

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");

async function sdkOrSkip(): Promise<Sdk | undefined> {
  try {
    return await prepareSdk({ projectRoot: PROJECT_ROOT });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    if (process.env.CI === "true") throw new Error(`the Moddable tools are required in CI: ${why}`);
    console.warn(`\n*** SKIPPING Moddable toolchain tests: ${why} ***\n`);
    return undefined;
  }
}

/** undefined (after a loud warning) when the tools cannot be had outside CI */
export const moddable: Sdk | undefined = await sdkOrSkip();
