import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const CLI = fileURLToPath(new URL("../../dist/gateway/cli.js", import.meta.url));

export interface RunningCli {
  child: ChildProcess;
  /** structured log lines (pino JSON on stderr) seen so far */
  logs: Record<string, unknown>[];
  stderr(): string;
  stop(): Promise<number | null>;
}

/** Starts `pantau ...` the way a user does: the built CLI in its own process. */
export function startCli(args: string[], env: Record<string, string> = {}): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const logs: Record<string, unknown>[] = [];
  let err = "";
  let partial = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    err += chunk.toString();
    partial += chunk.toString();
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line (an error message); kept in stderr()
      }
    }
  });
  return {
    child,
    logs,
    stderr: () => err,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once("exit", (code) => resolve(code));
        child.kill("SIGTERM");
      }),
  };
}

export function exitOf(cli: RunningCli): Promise<number | null> {
  return new Promise((resolve) => {
    if (cli.child.exitCode !== null) return resolve(cli.child.exitCode);
    cli.child.once("exit", (code) => resolve(code));
  });
}
