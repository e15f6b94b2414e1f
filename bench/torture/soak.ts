// The soak: units on serial ports (socat PTYs) streaming to `pantau gateway` (the CLI process)
// with the command center's broker (a real Mosquitto) upstream, while faults come by schedule:
// a port unplugged and back, the broker restarted, the gateway killed with SIGKILL and started
// again. Each unit delivers as the firmware's uplink does (firmware/core/uplink.ts): stop-and-wait,
// oldest first, the head resent after a missed ack with a doubling, jittered delay, with the
// firmware's default ack wait and retry settings. In the end every acknowledged report must be in the history
// exactly once, and nothing the units did not send.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { SerialPort } from "serialport";
import { Store } from "../../gateway/store/store.js";
import { decode } from "../../shared/cbor.js";
import { encodeFrame, micMatches, openEnvelope, parseEnvelope, splitFrame, type AnyEnvelope } from "../../shared/envelope.js";
import { CORE_SETTINGS } from "../../shared/core-settings.js";
import { AckResult } from "../../shared/messages.js";
import { RoleCode } from "../../shared/roles/catalog.js";
import { SlipDecoder, slipEncode } from "../../shared/slip.js";
import { freePort, Mosquitto } from "../../tests/support/mosquitto.js";
import { mulberry32 } from "../../firmware/sim/random.js";
import { fleet, int, legalBody, reportingRoles } from "./fleet.js";

const CLI = fileURLToPath(new URL("../../gateway/cli.js", import.meta.url));

export interface SoakOptions {
  seconds: number;
  devices: number;
  ports: number;
  /** new reports per second, all units together */
  rate: number;
  /** seconds between faults of each kind, and when the first comes */
  unplugEveryS: number;
  brokerRestartEveryS: number;
  killEveryS: number;
}

export interface SoakResult {
  options: SoakOptions;
  seconds: number;
  /** new reports the units made, and sends of them again after a lost ack */
  reports: number;
  resends: number;
  /** writes that found the port unplugged (the report stayed queued) */
  unpluggedWrites: number;
  acked: number;
  duplicateAcks: number;
  rejectedAcks: number;
  /** left without an ack when the drain gave up (must be 0) */
  unacked: number;
  stored: number;
  /** acked but not in history, and in history but never sent (both must be 0) */
  missing: number;
  unexpected: number;
  /** history rows beyond one per (device, boot, seq) */
  duplicates: number;
  /** messages the upstream sender had still to send when the gateway stopped */
  outboxLeft: number;
  faults: { unplugs: number; brokerRestarts: number; kills: number };
  /** the gateway's resident memory, MiB: per life (start, end) and over the run */
  rssMiB: { lives: { start: number; end: number }[]; first: number; middle: number; last: number; max: number };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`soak: ${what} did not happen within ${ms / 1000} s`);
    await sleep(20);
  }
}

function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill(signal);
  });
}

/** One serial line: a socat PTY pair (unpluggable) and the units' end of it. */
class Line {
  private socat: ChildProcess | undefined;
  port: SerialPort | undefined;
  readonly device: string;
  readonly gateway: string;

  constructor(dir: string, i: number, private readonly onBytes: (chunk: Buffer) => void) {
    this.device = join(dir, `line${i}-unit`);
    this.gateway = join(dir, `line${i}-gateway`);
  }

  async plug(): Promise<void> {
    rmSync(this.device, { force: true });
    rmSync(this.gateway, { force: true });
    this.socat = spawn("socat", [`pty,raw,echo=0,link=${this.device}`, `pty,raw,echo=0,link=${this.gateway}`], { stdio: "ignore" });
    await until("socat's PTY pair", () => existsSync(this.device) && existsSync(this.gateway), 5000);
    const port = new SerialPort({ path: this.device, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
    const deframer = new SlipDecoder((f) => this.onBytes(Buffer.from(f)), () => undefined, 255);
    port.on("data", (chunk: Buffer) => deframer.push(chunk));
    port.on("error", () => undefined);
    this.port = port;
  }

  async unplug(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    await stopChild(this.socat);
    if (port?.isOpen) await new Promise((r) => port.close(r));
  }

  write(bytes: Uint8Array): boolean {
    if (!this.port?.isOpen) return false;
    this.port.write(Buffer.from(bytes));
    return true;
  }
}

class GatewayProcess {
  child: ChildProcess | undefined;
  lives: { start: number; end: number }[] = [];
  samples: number[] = [];
  constructor(private readonly config: string) {}

  async start(): Promise<void> {
    const child = spawn(process.execPath, [CLI, "gateway", "--config", this.config], { stdio: ["ignore", "ignore", "pipe"] });
    this.child = child;
    let log = "";
    child.stderr!.on("data", (d: Buffer) => {
      if (log.length < 100_000) log += d.toString();
    });
    await until("the gateway start (its log says \"gateway started\")", () => {
      if (child.exitCode !== null) throw new Error(`the gateway exited (${child.exitCode}): ${log.slice(-2000)}`);
      return log.includes("gateway started");
    }, 30_000);
    this.lives.push({ start: 0, end: 0 });
  }

  /** Resident memory now, MiB (from /proc), recorded for the life it belongs to. */
  sample(): void {
    const pid = this.child?.pid;
    if (pid === undefined || this.child?.exitCode !== null) return;
    let status: string;
    try {
      status = readFileSync(`/proc/${pid}/status`, "utf8");
    } catch {
      return;
    }
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    if (!kb) return;
    const mib = Math.round(kb / 1024);
    const life = this.lives[this.lives.length - 1]!;
    if (life.start === 0) life.start = mib;
    life.end = mib;
    this.samples.push(mib);
  }

  kill(): Promise<void> {
    return stopChild(this.child, "SIGKILL");
  }
  stop(): Promise<void> {
    return stopChild(this.child);
  }
}

interface Unit {
  id: number;
  key: Uint8Array;
  role: string;
  line: number;
  seq: number;
  /** reports not yet acked, oldest first; the head is the one in flight */
  queue: { k: string; frame: Uint8Array }[];
  state: "idle" | "awaiting-ack" | "waiting";
  /** when the ack wait or the backoff ends, ms */
  until: number;
  misses: number;
  /** the report last transmitted, so a transmission of it again counts as a resend */
  lastSent: string;
}

const ACK_MS = CORE_SETTINGS.ackMs.default;
const RETRY_MS = CORE_SETTINGS.retryMs.default;
const RETRY_MAX_MS = CORE_SETTINGS.retryMaxS.default * 1000;

export async function soak(o: SoakOptions, seed = 13, log: (line: string) => void = () => undefined): Promise<SoakResult> {
  const dir = mkdtempSync(join(tmpdir(), "pantau-torture-soak-"));
  const rnd = mulberry32(seed);
  const entries = fleet(o.devices, 5000);
  const units = new Map<number, Unit>(entries.map((e, i) => [e.id, {
    id: e.id, key: Uint8Array.from(Buffer.from(e.key!, "hex")), role: e.role, line: i % o.ports, seq: 0, queue: [], state: "idle", until: 0, misses: 0, lastSent: "",
  }]));
  const messages = new Map(reportingRoles().map((r) => [r.name, r.messages]));
  const sent = new Set<string>();
  const r: Omit<SoakResult, "options" | "seconds" | "stored" | "missing" | "unexpected" | "duplicates" | "outboxLeft" | "rssMiB" | "unacked"> = {
    reports: 0, resends: 0, unpluggedWrites: 0, acked: 0, duplicateAcks: 0, rejectedAcks: 0, faults: { unplugs: 0, brokerRestarts: 0, kills: 0 },
  };
  const acked = new Set<string>();
  const onDownlink = (frame: Buffer): void => {
    let env: AnyEnvelope;
    try {
      const split = splitFrame(frame);
      const raw = parseEnvelope(decode(split.signed));
      const unit = units.get(raw.deviceId);
      if (!unit || !micMatches(unit.key, split)) return;
      env = openEnvelope(raw);
    } catch {
      return;
    }
    if (env.type !== "ack") return;
    const k = `${env.deviceId}:${env.boot}:${env.seq}`;
    const unit = units.get(env.deviceId)!;
    const index = unit.queue.findIndex((q) => q.k === k);
    if (index < 0) return;
    unit.queue.splice(index, 1);
    if (index === 0) {
      // the head settled: the next goes at once
      unit.state = "idle";
      unit.misses = 0;
    }
    if (env.body.result === AckResult.rejected) r.rejectedAcks++;
    else {
      if (env.body.result === AckResult.duplicate) r.duplicateAcks++;
      acked.add(k);
      r.acked++;
    }
  };
  const lines = Array.from({ length: o.ports }, (_, i) => new Line(dir, i, onDownlink));
  const broker = new Mosquitto(await freePort(), dir);
  writeFileSync(join(dir, "fleet.json"), JSON.stringify({ devices: entries }), { mode: 0o600 });
  const config = join(dir, "gateway.json");
  writeFileSync(config, JSON.stringify({
    registry: "fleet.json", dataDir: join(dir, "data"), logLevel: "info",
    serial: lines.map((l) => ({ path: l.gateway })),
    mqtt: { port: await freePort() }, http: { port: await freePort() },
    upstream: { mqtt: { url: `mqtt://127.0.0.1:${broker.port}`, clientId: "torture-gateway" } },
  }));
  const gateway = new GatewayProcess(config);
  const timeS = Math.floor(Date.now() / 1000);

  const report = (unit: Unit): void => {
    const types = [...messages.get(unit.role)!, "status"];
    const type = types[int(rnd, 0, types.length - 1)]!;
    const body = legalBody(type, rnd);
    if (type === "status") body.role = RoleCode[unit.role]!;
    const seq = unit.seq++;
    const frame = slipEncode(encodeFrame({ type, deviceId: unit.id, boot: 1, seq, timeS: timeS + seq, body } as AnyEnvelope, unit.key));
    const k = `${unit.id}:1:${seq}`;
    sent.add(k);
    unit.queue.push({ k, frame });
    r.reports++;
  };
  const deliver = (unit: Unit, now: number): void => {
    if (unit.state === "awaiting-ack" && now >= unit.until) {
      unit.misses++;
      const backoff = Math.min(RETRY_MS * 2 ** Math.min(unit.misses - 1, 20), RETRY_MAX_MS);
      unit.state = "waiting";
      unit.until = now + Math.round(backoff * (0.75 + 0.5 * rnd()));
    }
    if (unit.state === "waiting" && now >= unit.until) unit.state = "idle";
    const head = unit.queue[0];
    if (unit.state !== "idle" || !head) return;
    if (head.k === unit.lastSent) r.resends++;
    unit.lastSent = head.k;
    if (!lines[unit.line]!.write(head.frame)) r.unpluggedWrites++;
    unit.state = "awaiting-ack";
    unit.until = now + ACK_MS;
  };
  const waiting = (): number => ids.reduce((n, u) => n + u.queue.length, 0);

  const started = Date.now();
  const ids = [...units.values()];
  let next = 0;
  let busy = false;
  try {
    for (const line of lines) await line.plug();
    await broker.start();
    await gateway.start();
    const faults: Promise<void>[] = [];
    const every = (s: number, first: number, fault: () => Promise<void>): NodeJS.Timeout => {
      let at = first;
      const timer = setInterval(() => {
        if ((Date.now() - started) / 1000 < at || (Date.now() - started) / 1000 > o.seconds) return;
        at += s;
        faults.push(fault());
      }, 100);
      return timer;
    };
    const timers = [
      every(o.unplugEveryS, o.unplugEveryS * 0.4, async () => {
        const line = lines[r.faults.unplugs % lines.length]!;
        r.faults.unplugs++;
        log(`unplugging ${line.gateway}`);
        await line.unplug();
        await sleep(1500);
        await line.plug();
      }),
      every(o.brokerRestartEveryS, o.brokerRestartEveryS * 0.6, async () => {
        r.faults.brokerRestarts++;
        log("restarting the broker");
        await broker.stop();
        await sleep(2000);
        await broker.start();
      }),
      every(o.killEveryS, o.killEveryS * 0.8, async () => {
        r.faults.kills++;
        log("killing the gateway (SIGKILL)");
        gateway.sample();
        await gateway.kill();
        await gateway.start();
      }),
      setInterval(() => gateway.sample(), 2000),
    ];
    // new reports at the offered rate; each unit sends its queue's head when it may
    let due = 0;
    let last = Date.now();
    const pump = setInterval(() => {
      if (busy) return;
      busy = true;
      const now = Date.now();
      if ((now - started) / 1000 < o.seconds) {
        due += ((now - last) / 1000) * o.rate;
        for (; due >= 1; due--) report(ids[next++ % ids.length]!);
      }
      last = now;
      for (const unit of ids) deliver(unit, now);
      busy = false;
    }, 10);
    const progress = setInterval(() => log(`${Math.round((Date.now() - started) / 1000)} s: ${r.reports} reports, ${r.acked} acked, ${waiting()} waiting, ${r.resends} resends`), 60_000);
    await sleep(o.seconds * 1000);
    for (const t of timers) clearInterval(t);
    await Promise.all(faults);
    log("faults over; waiting for every report to be acked");
    try {
      await until("every report acked", () => waiting() === 0, 180_000);
    } catch (err) {
      log((err as Error).message);
    }
    clearInterval(pump);
    clearInterval(progress);
    gateway.sample();
    // the upstream sender catches up before the gateway stops
    await sleep(3000);
    await gateway.stop();
    const db = new Database(join(dir, "data", "pantau.db"), { readonly: true });
    let stored: { k: string; n: number }[];
    let outboxLeft: number;
    try {
      stored = db.prepare("SELECT device_id || ':' || boot || ':' || seq AS k, count(*) AS n FROM readings GROUP BY device_id, boot, seq").all() as { k: string; n: number }[];
    } finally {
      db.close();
    }
    const store = Store.open({ file: join(dir, "data", "pantau.db") });
    try {
      outboxLeft = store.outboxDepth().rows;
    } finally {
      store.close();
    }
    const inHistory = new Set(stored.map((s) => s.k));
    const samples = gateway.samples;
    return {
      options: o,
      seconds: Math.round((Date.now() - started) / 1000),
      ...r,
      unacked: waiting(),
      stored: stored.length,
      missing: [...acked].filter((k) => !inHistory.has(k)).length,
      unexpected: stored.filter((s) => !sent.has(s.k)).length,
      duplicates: stored.reduce((n, s) => n + s.n - 1, 0),
      outboxLeft,
      rssMiB: {
        lives: gateway.lives,
        first: samples[0] ?? 0,
        middle: samples[Math.floor(samples.length / 2)] ?? 0,
        last: samples[samples.length - 1] ?? 0,
        max: Math.max(0, ...samples),
      },
    };
  } finally {
    await gateway.stop();
    for (const line of lines) await line.unplug();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
