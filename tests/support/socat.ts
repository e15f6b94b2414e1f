import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./temp.js";

/** socat is required in CI (.ci/run installs it); a developer without it gets a loud skip. */
export const hasSocat = spawnSync("socat", ["-V"]).status === 0;
if (!hasSocat) {
  if (process.env.CI) throw new Error("socat is required in CI: .ci/run must apt-get install socat");
  console.warn("\n*** SKIPPING serial tests: socat is not installed (apt-get install socat) ***\n");
}

export interface PtyPair {
  /** the end the device side writes to */
  device: string;
  /** the end the gateway opens */
  gateway: string;
  close(): Promise<void>;
}

/** A real pseudo-terminal pair joined by socat, as a USB serial device would appear. */
export async function ptyPair(dir = tempDir("pantau-pty-")): Promise<PtyPair> {
  const device = join(dir, "device");
  const gateway = join(dir, "gateway");
  const child: ChildProcess = spawn("socat", [
    `pty,raw,echo=0,link=${device}`,
    `pty,raw,echo=0,link=${gateway}`,
  ], { stdio: "ignore" });
  const deadline = Date.now() + 5000;
  while (!(existsSync(device) && existsSync(gateway))) {
    if (Date.now() > deadline) {
      child.kill();
      throw new Error("socat did not create the PTY pair within 5 s");
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    device,
    gateway,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill();
      }),
  };
}
