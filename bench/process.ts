// A program under test as its own process: started, watched for the line that says it is ready,
// its memory read from /proc, stopped. The gateway and Node-RED both run this way.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";

export interface Running {
  child: ChildProcess;
  /** ms from spawn to the ready line */
  startMs: number;
  /** the ready line's match */
  ready: RegExpMatchArray;
  /** resident memory now, and its peak so far (VmHWM), in MiB */
  rssMiB(): { now: number; peak: number };
  stop(): Promise<void>;
}

function status(pid: number, field: string): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith(`${field}:`));
  return line ? Number(line.split(/\s+/)[1]) / 1024 : NaN;
}

/** Spawns `args` and resolves when a line of its output matches `ready`; its output is kept for the error if it exits first. */
export function start(name: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp, timeoutMs = 60_000): Promise<Running> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(`${name} was not ready after ${timeoutMs / 1000} s`), timeoutMs);
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`${why}; its output:\n${output.slice(-4000)}`));
    };
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = output.match(ready);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.off("data", onData);
      child.stderr!.off("data", onData);
      // keep draining its output so it never blocks on a full pipe
      child.stdout!.resume();
      child.stderr!.resume();
      const pid = child.pid!;
      resolve({
        child, ready: match, startMs: Math.round(performance.now() - started),
        rssMiB: () => ({ now: Math.round(status(pid, "VmRSS")), peak: Math.round(status(pid, "VmHWM")) }),
        stop: () => new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          const kill = setTimeout(() => child.kill("SIGKILL"), 10_000);
          child.once("exit", () => { clearTimeout(kill); done(); });
          child.kill("SIGTERM");
        }),
      });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code, signal) => fail(`${name} exited (${signal ?? `code ${code}`}) before it was ready`));
  });
}
