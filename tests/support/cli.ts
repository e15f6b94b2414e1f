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

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** from start to exit, the process start included */
  ms: number;
}

/** Runs `pantau ...` to its end; `kill` is polled and SIGKILLs it when it says so. */
export function runCli(args: string[], kill?: () => Promise<boolean>): Promise<CliRun> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  if (kill) {
    const poll = setInterval(() => {
      void kill().then((yes) => {
        if (yes) child.kill("SIGKILL");
      });
    }, 20);
    child.once("exit", () => clearInterval(poll));
  }
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, stdout, stderr, ms: performance.now() - t0 })));
}
