// The soak: units on serial ports (socat PTYs) streaming to `pantau gateway` (the CLI process)
// with the command center's broker (a real Mosquitto) upstream, while faults come by schedule:
// a port unplugged and back, the broker restarted, the gateway killed with SIGKILL and started
// again. Each unit delivers as the firmware's uplink does (firmware/core/uplink.ts): stop-and-wait,
// oldest first, the head resent after a missed ack with a doubling, jittered delay, with the
// firmware's default ack wait and retry settings. In the end every acknowledged report must be in the history
// exactly once, and nothing the units did not send.
import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
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
import { GatewayProcess, stopChild, type GatewayMetrics, type Life } from "./gateway-process.js";

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
  /**
   * After the faults, the units' queues and then the upstream outbox drain for as long as they
   * keep shrinking (a minute without progress ends it), but never longer than this.
   */
  drainMaxS: number;
  /** the gateway's outbox row bound (its default when absent): a low one reaches the bound within a short run */
  outboxMaxRows?: number;
}

/** One life of the gateway process: from its spawn to its SIGKILL or the end of the run. */
export interface LifeSummary {
  spawnedAtS: number;
  /** from spawn to "gateway started" */
  startS: number;
  seconds: number;
  acks: number;
  acksPerS: number;
  /** RSS at its first and last sample, MiB */
  rssMiB: { start: number; end: number };
  /** messages the upstream sender had still to send at its first and last /metrics sample */
  upstreamLag: { start: number; end: number };
  /** the event loop's worst delay seen, s */
  loopLagMaxS: number;
  /** its log file (stderr and stdout) */
  log: string;
}

export interface SoakResult {
  options: SoakOptions;
  seconds: number;
  /** seconds the drain took after the faults ended */
  drainS: number;
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
  /** routine messages the outbox dropped at its row bound before the upstream sender had them (lost upstream) */
  outboxDropped: number;
  faults: { unplugs: number; brokerRestarts: number; kills: number };
  /** the gateway's resident memory, MiB: per life (start, end) and over the run */
  /**
   * The gateway's resident memory, MiB: per life (start, end), over the run, and the highest
   * sample in each half of the faults (a process that grows shows it in the second)
   */
  rssMiB: { lives: { start: number; end: number }[]; first: number; middle: number; last: number; max: number; halves: [number, number] };
  lives: LifeSummary[];
  /** the run's folder: the gateway's logs per life, timeline.tsv (a row per sample), the store */
  dir: string;
}

/** One row of the timeline, every SAMPLE_MS. */
interface Sample {
  t: number;
  life: number;
  /** cumulative, as the units saw them */
  acked: number;
  reports: number;
  resends: number;
  /** reports queued at the units; units waiting out a backoff; the most misses in a row of any unit */
  waiting: number;
  backingOff: number;
  maxMisses: number;
  /** from a report's first transmission to its ack, over the acks since the last sample */
  ackDelayMs: { p50: number; p99: number };
  rss: number | undefined;
  gateway: GatewayMetrics | undefined;
  /** the units' own event loop (this process): its worst delay since the last sample, s */
  unitsLoopLagMaxS: number;
}

const SAMPLE_MS = 5000;
/** the drain gives up after this long without progress */
const DRAIN_STALL_MS = 60_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`soak: ${what} did not happen within ${ms / 1000} s`);
    await sleep(20);
  }
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
  /** the report last transmitted, so a transmission of it again counts as a resend, and when it first went */
  lastSent: string;
  firstSentAt: number;
}

const ACK_MS = CORE_SETTINGS.ackMs.default;
const RETRY_MS = CORE_SETTINGS.retryMs.default;
const RETRY_MAX_MS = CORE_SETTINGS.retryMaxS.default * 1000;

export async function soak(o: SoakOptions, seed = 13, log: (line: string) => void = () => undefined): Promise<SoakResult> {
  const dir = mkdtempSync(join(tmpdir(), "pantau-torture-soak-"));
  const rnd = mulberry32(seed);
  const entries = fleet(o.devices, 5000);
  const units = new Map<number, Unit>(entries.map((e, i) => [e.id, {
    id: e.id, key: Uint8Array.from(Buffer.from(e.key!, "hex")), role: e.role, line: i % o.ports, seq: 0, queue: [], state: "idle", until: 0, misses: 0, lastSent: "", firstSentAt: 0,
  }]));
  const messages = new Map(reportingRoles().map((r) => [r.name, r.messages]));
  const sent = new Set<string>();
  const r: Pick<SoakResult, "reports" | "resends" | "unpluggedWrites" | "acked" | "duplicateAcks" | "rejectedAcks" | "faults"> = {
    reports: 0, resends: 0, unpluggedWrites: 0, acked: 0, duplicateAcks: 0, rejectedAcks: 0, faults: { unplugs: 0, brokerRestarts: 0, kills: 0 },
  };
  const acked = new Set<string>();
  /** ms from a report's first transmission to its ack, since the last sample */
  let ackDelays: number[] = [];
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
      ackDelays.push(Date.now() - unit.firstSentAt);
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
  const httpPort = await freePort();
  writeFileSync(config, JSON.stringify({
    registry: "fleet.json", dataDir: join(dir, "data"), logLevel: "info",
    serial: lines.map((l) => ({ path: l.gateway })),
    mqtt: { port: await freePort() }, http: { port: httpPort },
    upstream: { mqtt: { url: `mqtt://127.0.0.1:${broker.port}`, clientId: "torture-gateway" } },
    ...(o.outboxMaxRows === undefined ? {} : { store: { outbox: { maxRows: o.outboxMaxRows } } }),
  }));
  const started = Date.now();
  const gateway = new GatewayProcess(config, dir, httpPort, started);
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
    else unit.firstSentAt = now;
    unit.lastSent = head.k;
    if (!lines[unit.line]!.write(head.frame)) r.unpluggedWrites++;
    unit.state = "awaiting-ack";
    unit.until = now + ACK_MS;
  };
  const ids = [...units.values()];
  const waiting = (): number => ids.reduce((n, u) => n + u.queue.length, 0);

  // the timeline: what the units saw and what the gateway says, a row every SAMPLE_MS
  const samples: Sample[] = [];
  const timeline = join(dir, "timeline.tsv");
  writeFileSync(timeline, "t_s\tlife\tacked\treports\tresends\twaiting\tbacking_off\tmax_misses\tack_delay_p50_ms\tack_delay_p99_ms\trss_mib\tgw_accepted\tgw_replays\tupstream_lag\tforwarded\tcpu_s\tloop_lag_max_s\tunits_loop_lag_max_s\n");
  const unitsLoop = monitorEventLoopDelay({ resolution: 20 });
  unitsLoop.enable();
  const sample = async (): Promise<Sample> => {
    const delays = ackDelays.sort((a, b) => a - b);
    ackDelays = [];
    const metrics = await gateway.metrics();
    const s: Sample = {
      t: (Date.now() - started) / 1000, life: gateway.lives.length, acked: r.acked, reports: r.reports, resends: r.resends,
      waiting: waiting(), backingOff: ids.filter((u) => u.state === "waiting").length, maxMisses: Math.max(...ids.map((u) => u.misses)),
      ackDelayMs: { p50: delays[Math.floor(delays.length * 0.5)] ?? 0, p99: delays[Math.floor(delays.length * 0.99)] ?? 0 },
      rss: gateway.rss(), gateway: metrics, unitsLoopLagMaxS: unitsLoop.max / 1e9,
    };
    unitsLoop.reset();
    samples.push(s);
    const g = s.gateway;
    appendFileSync(timeline, `${[s.t.toFixed(1), s.life, s.acked, s.reports, s.resends, s.waiting, s.backingOff, s.maxMisses, s.ackDelayMs.p50, s.ackDelayMs.p99, s.rss ?? "",
      g?.accepted ?? "", g?.replays ?? "", g?.upstreamLag ?? "", g?.forwarded ?? "", g?.cpuS ?? "", g?.loopLagMaxS ?? "", s.unitsLoopLagMaxS.toFixed(3)].join("\t")}\n`);
    return s;
  };
  /** One line on the last `span` samples: the ack rate and where the backlog stands. */
  const progress = (span: number): string => {
    const now = samples[samples.length - 1]!;
    const then = samples[Math.max(0, samples.length - 1 - span)]!;
    const dt = Math.max(1e-3, now.t - then.t);
    const g = now.gateway;
    return `${Math.round(now.t)} s, life ${now.life}: ${Math.round((now.acked - then.acked) / dt)} acks/s, ${n(r.reports)} made, ${n(r.acked)} acked, ${n(now.waiting)} queued at the units ` +
      `(${now.backingOff} units backing off, at most ${now.maxMisses} misses in a row, ack after ${(now.ackDelayMs.p50 / 1000).toFixed(1)} s median), ${n(r.resends)} resends, upstream lag ${g?.upstreamLag !== undefined ? n(g.upstreamLag) : "?"}, RSS ${now.rss ?? "?"} MiB`;
  };

  const stopAll = async (): Promise<void> => {
    unitsLoop.disable();
    await gateway.stop();
    for (const line of lines) await line.unplug();
    await broker.stop();
  };
  // an interrupted run leaves no gateway, socat or broker behind
  const interrupted = (): void => void stopAll().finally(() => process.exit(130));
  process.once("SIGINT", interrupted).once("SIGTERM", interrupted);

  let next = 0;
  let busy = false;
  let drainS = 0;
  /** acks the units had when each life of the gateway was spawned, and at the end */
  const ackMarks: number[] = [];
  try {
    for (const line of lines) await line.plug();
    await broker.start();
    ackMarks.push(r.acked);
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
        gateway.rss();
        await gateway.kill();
        ackMarks.push(r.acked);
        await gateway.start();
        log(`gateway life ${gateway.lives.length} started in ${gateway.life!.startS.toFixed(1)} s`);
      }),
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
    // one sample at a time: a scrape waits at most its timeout, so the next is at most that late
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        await sleep(SAMPLE_MS);
        await sample();
        if (samples.length % 6 === 0) log(progress(6));
      }
    })();
    await sleep(o.seconds * 1000);
    for (const t of timers) clearInterval(t);
    await Promise.all(faults);
    log(`faults over; draining the units' queues, then the upstream outbox, while they shrink (at most ${o.drainMaxS} s)`);
    const drainStarted = Date.now();
    const deadline = drainStarted + o.drainMaxS * 1000;
    // each drain goes on while its backlog reaches a new low within DRAIN_STALL_MS
    const drain = async (what: string, left: () => number | undefined): Promise<void> => {
      let low = Infinity;
      let lowAt = Date.now();
      for (;;) {
        const now = left();
        if (now === 0) return;
        if (now !== undefined && now < low) {
          low = now;
          lowAt = Date.now();
        }
        if (Date.now() - lowAt > DRAIN_STALL_MS) return log(`${what}: no progress for ${DRAIN_STALL_MS / 1000} s, ${low === Infinity ? "unknown (no answer from /metrics)" : n(low)} left`);
        if (Date.now() > deadline) return log(`${what}: drain bound of ${o.drainMaxS} s reached, ${now === undefined ? "unknown (no answer from /metrics)" : n(now)} left`);
        await sleep(200);
      }
    };
    await drain("the units' queues", waiting);
    // from the timeline's samples: a scrape of its own each second took a share of a busy gateway's event loop
    await drain("the upstream outbox", () => samples[samples.length - 1]?.gateway?.upstreamLag);
    drainS = Math.round((Date.now() - drainStarted) / 1000);
    clearInterval(pump);
    sampling = false;
    await sampler;
    await sample();
    log(progress(samples.length - 1));
    await gateway.stop();
    ackMarks.push(r.acked);
    const end = Math.round((Date.now() - started) / 1000);
    const db = new Database(join(dir, "data", "pantau.db"), { readonly: true });
    let stored: { k: string; n: number }[];
    let outboxLeft: number;
    let outboxDropped: number;
    try {
      stored = db.prepare("SELECT device_id || ':' || boot || ':' || seq AS k, count(*) AS n FROM readings GROUP BY device_id, boot, seq").all() as { k: string; n: number }[];
    } finally {
      db.close();
    }
    const store = Store.open({ file: join(dir, "data", "pantau.db") });
    try {
      outboxLeft = store.outboxDepth().rows;
      outboxDropped = store.counters().outboxDropped;
    } finally {
      store.close();
    }
    const inHistory = new Set(stored.map((s) => s.k));
    const rss = samples.map((s) => s.rss).filter((m): m is number => m !== undefined);
    return {
      options: o,
      seconds: end,
      drainS,
      ...r,
      unacked: waiting(),
      stored: stored.length,
      missing: [...acked].filter((k) => !inHistory.has(k)).length,
      unexpected: stored.filter((s) => !sent.has(s.k)).length,
      duplicates: stored.reduce((n, s) => n + s.n - 1, 0),
      outboxLeft,
      outboxDropped,
      rssMiB: {
        lives: gateway.lives.map((l) => l.rss),
        first: rss[0] ?? 0,
        middle: rss[Math.floor(rss.length / 2)] ?? 0,
        last: rss[rss.length - 1] ?? 0,
        max: Math.max(0, ...rss),
        halves: [0, 1].map((h) => Math.max(0, ...samples.filter((x) => Math.floor((2 * x.t) / o.seconds) === h).flatMap((x) => (x.rss === undefined ? [] : [x.rss])))) as [number, number],
      },
      lives: gateway.lives.map((l, i) => summarize(l, samples.filter((s) => s.life === i + 1), gateway.lives[i + 1]?.spawnedAtS ?? end, ackMarks[i + 1]! - ackMarks[i]!)),
      dir,
    };
  } finally {
    process.off("SIGINT", interrupted).off("SIGTERM", interrupted);
    await stopAll();
  }
}

const n = (x: number): string => x.toLocaleString("en");

function summarize(life: Life, samples: Sample[], endS: number, acks: number): LifeSummary {
  const seconds = endS - life.spawnedAtS;
  const lags = samples.flatMap((s) => (s.gateway?.upstreamLag !== undefined ? [s.gateway.upstreamLag] : []));
  return {
    spawnedAtS: life.spawnedAtS,
    startS: Number(life.startS.toFixed(1)),
    seconds,
    acks,
    acksPerS: seconds > 0 ? Math.round(acks / seconds) : 0,
    rssMiB: life.rss,
    upstreamLag: { start: lags[0] ?? 0, end: lags[lags.length - 1] ?? 0 },
    loopLagMaxS: Math.max(0, ...samples.map((s) => s.gateway?.loopLagMaxS ?? 0)),
    log: life.log,
  };
}
