// The soak's gateway: `pantau gateway --config` as its own process, started again after each
// SIGKILL. Each life logs (stderr and stdout) to its own file in the run's folder, so a failed run
// can be read afterwards; its resident memory comes from /proc and its counters from /metrics.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { get } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../../gateway/cli.js", import.meta.url));

export interface Life {
  /** seconds into the run when it was spawned, and how long until it logged "gateway started" */
  spawnedAtS: number;
  startS: number;
  log: string;
  rss: { start: number; end: number };
}

/** What the soak reads from /metrics (counters since this life started). */
export interface GatewayMetrics {
  accepted: number;
  /** answered "duplicate": a resend of a report already stored */
  replays: number;
  /** messages the upstream sender has still to send (undefined: not reported), and its PUBACKs */
  upstreamLag: number | undefined;
  forwarded: number;
  /** CPU seconds the process used since it started; the event loop's worst delay since the last read, s */
  cpuS: number;
  loopLagMaxS: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill(signal);
  });
}

/** The value of a metric line in Prometheus text (`name{labels} value`), undefined when absent. */
function metric(text: string, line: string): number | undefined {
  const at = text.indexOf(`\n${line} `);
  return at < 0 ? undefined : Number(text.slice(at + line.length + 2, text.indexOf("\n", at + 1)));
}

/**
 * GET /metrics on a fresh connection each time (a pooled one may belong to a killed life), given
 * up after `timeoutMs`.
 */
function scrape(port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const done = (body: string | undefined): void => {
      clearTimeout(timer);
      resolve(body);
    };
    const req = get({ host: "127.0.0.1", port, path: "/metrics", agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => done(res.statusCode === 200 ? body : undefined));
      res.on("error", () => done(undefined));
    });
    req.on("error", () => done(undefined));
    const timer = setTimeout(() => req.destroy(), timeoutMs);
  });
}

export class GatewayProcess {
  child: ChildProcess | undefined;
  readonly lives: Life[] = [];

  constructor(
    private readonly config: string,
    private readonly dir: string,
    private readonly httpPort: number,
    private readonly runStarted: number,
  ) {}

  get life(): Life | undefined {
    return this.lives[this.lives.length - 1];
  }

  async start(): Promise<void> {
    const log = join(this.dir, `gateway-life-${this.lives.length + 1}.log`);
    const fd = openSync(log, "a");
    const spawned = Date.now();
    // the log goes straight to a file: the gateway never waits on the soak's event loop to write it
    const child = spawn(process.execPath, [CLI, "gateway", "--config", this.config], { stdio: ["ignore", fd, fd] });
    closeSync(fd);
    this.child = child;
    const life: Life = { spawnedAtS: Math.round((spawned - this.runStarted) / 1000), startS: 0, log, rss: { start: 0, end: 0 } };
    const deadline = spawned + 60_000;
    for (;;) {
      const text = readFileSync(log, "utf8");
      if (text.includes("gateway started")) break;
      if (child.exitCode !== null) throw new Error(`the gateway exited (${child.exitCode}); its log: ${log}\n${text.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`the gateway did not start within 60 s; its log: ${log}`);
      await sleep(20);
    }
    life.startS = (Date.now() - spawned) / 1000;
    this.lives.push(life);
    this.rss();
  }

  /** Resident memory now, MiB (from /proc), recorded for the life it belongs to; undefined when not running. */
  rss(): number | undefined {
    const pid = this.child?.pid;
    if (pid === undefined || this.child?.exitCode !== null || !this.life) return undefined;
    let status: string;
    try {
      status = readFileSync(`/proc/${pid}/status`, "utf8");
    } catch {
      return undefined;
    }
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    if (!kb) return undefined;
    const mib = Math.round(kb / 1024);
    if (this.life.rss.start === 0) this.life.rss.start = mib;
    this.life.rss.end = mib;
    return mib;
  }

  /** The life's counters from /metrics; undefined while it does not answer within `timeoutMs`. */
  async metrics(timeoutMs = 4000): Promise<GatewayMetrics | undefined> {
    const body = await scrape(this.httpPort, timeoutMs);
    if (body === undefined) return undefined;
    const text = `\n${body}`;
    return {
      accepted: metric(text, 'pantau_frames_total{result="accepted"}') ?? 0,
      replays: metric(text, 'pantau_frames_total{result="replay"}') ?? 0,
      upstreamLag: metric(text, 'pantau_upstream_lag_messages{sender="mqtt"}'),
      forwarded: metric(text, "pantau_upstream_forwarded_total") ?? 0,
      cpuS: metric(text, "process_cpu_seconds_total") ?? 0,
      loopLagMaxS: metric(text, "nodejs_eventloop_lag_max_seconds") ?? 0,
    };
  }

  kill(): Promise<void> {
    return stopChild(this.child, "SIGKILL");
  }

  stop(): Promise<void> {
    return stopChild(this.child);
  }
}
