// What a user gets: frames written to a socat PTY, through the whole gateway (serial link,
// verify, normalize, durable commit, ack, health, publish), to one MQTT subscriber over TCP;
// beside it the ceiling, aedes alone with an mqtt.js client publishing the same JSON.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Aedes } from "aedes";
import mqtt, { type MqttClient } from "mqtt";
import { SerialPort } from "serialport";
import { resolveConfig } from "../gateway/config.js";
import { Gateway } from "../gateway/gateway.js";
import { createLogger } from "../gateway/log.js";
import { Registry, type DeviceEntry } from "../gateway/registry/registry.js";
import { encodeFrame } from "../shared/envelope.js";
import { slipEncode } from "../shared/slip.js";

const DEVICES = 100;
const SITE = "bench";
const READINGS = `pantau/v1/${SITE}/+/traffic`;

export interface UserPathOptions {
  /** frames for the throughput runs */
  frames: number;
  /** seconds each latency rate runs */
  latencySeconds: number;
  /** frames per second for the latency runs */
  rates: number[];
}

export interface Latency {
  rate: number;
  frames: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface UserPathResult {
  fullPathFramesPerSec: number;
  aedesAloneFramesPerSec: number;
  /** full path ÷ aedes alone (the target: ≥ 0.5) */
  fullOverAedes: number;
  latency: Latency[];
}

const entries: DeviceEntry[] = Array.from({ length: DEVICES }, (_, i) => ({
  id: 2000 + i, role: "loop", key: (i + 16).toString(16).repeat(16).slice(0, 32), site: SITE, name: `bench ${i}`,
  location: { lat: -6.98, lon: 110.41 }, lanes: [{ lane: 0 }],
}));
const registry = new Registry(entries);
const BODY = { lane: 0, intervalS: 60, volume: 23, occupancyPermille: 142, speedKmh: 47, lengthDm: 46, classes: [4, 15, 3, 1], headwayDs: 26 };

/** Signed, SLIP-framed loopInterval frames, round robin over the devices; `seq` continues from `from`. */
function frames(count: number, from: number): Buffer[] {
  const t = Math.floor(Date.now() / 1000);
  return Array.from({ length: count }, (_, i) => {
    const n = from + i;
    const device = registry.get(2000 + (n % DEVICES))!;
    const frame = encodeFrame({ type: "loopInterval", deviceId: device.id, boot: 1, seq: Math.floor(n / DEVICES), timeS: t, body: BODY }, device.keyBytes);
    return Buffer.from(slipEncode(frame));
  });
}

async function ptyPair(dir: string): Promise<{ device: string; gateway: string; close(): Promise<void> }> {
  const device = join(dir, "device");
  const gateway = join(dir, "gateway");
  const child = spawn("socat", [`pty,raw,echo=0,link=${device}`, `pty,raw,echo=0,link=${gateway}`], { stdio: "ignore" });
  const deadline = Date.now() + 5000;
  while (!(existsSync(device) && existsSync(gateway))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error("socat did not create a PTY pair (is socat installed? apt-get install socat)");
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    device, gateway,
    close: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill();
    }),
  };
}

/** Resolves once `count` messages have arrived on the subscriber, calling `each` with the arrival time of every one. */
function arrivals(client: MqttClient, count: number, each: (topic: string, at: number) => void = () => undefined): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const onMessage = (topic: string): void => {
      each(topic, performance.now());
      if (++seen === count) {
        client.off("message", onMessage);
        resolve();
      }
    };
    client.on("message", onMessage);
  });
}

function write(port: SerialPort, bytes: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    port.write(bytes, (err) => (err ? reject(err) : port.drain((e) => (e ? reject(e) : resolve(performance.now())))));
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round = (n: number, digits = 2): number => Number(n.toFixed(digits));

/** The gateway as the CLI runs it by default (store FULL, acks, health), fed through a socat PTY. */
async function fullPath(options: UserPathOptions, dir: string): Promise<{ framesPerSec: number; latency: Latency[]; sample: string }> {
  const pty = await ptyPair(dir);
  // demo mode lets the local subscriber in without a login; per message it costs the same
  const config = resolveConfig({ mqtt: { port: 0 }, http: { port: 0 }, serial: [{ path: pty.gateway }], dataDir: join(dir, "data") }, dir);
  const gateway = await Gateway.start(config, registry, createLogger("silent"), { demo: true });
  const port = new SerialPort({ path: pty.device, baudRate: 115200, autoOpen: false });
  const sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.broker.port}`, { reconnectPeriod: 0 });
  try {
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    await sub.subscribeAsync(READINGS, { qos: 1 });
    let sample = "";
    sub.once("message", (_topic, payload) => { sample = payload.toString(); });
    let sent = 0;

    const input = frames(options.frames, sent);
    sent += input.length;
    const done = arrivals(sub, input.length);
    const started = performance.now();
    await write(port, Buffer.concat(input));
    await done;
    const framesPerSec = Math.round(input.length / ((performance.now() - started) / 1000));

    const latency: Latency[] = [];
    for (const rate of options.rates) {
      const count = Math.max(10, Math.round(rate * options.latencySeconds));
      const paced = frames(count, sent);
      sent += count;
      // per device, frames arrive in the order they were written
      const written = new Map<string, number[]>();
      const delays: number[] = [];
      const got = arrivals(sub, count, (topic, at) => {
        const queue = written.get(topic.split("/")[3]!);
        const last = queue?.shift();
        if (last !== undefined) delays.push(at - last);
      });
      const t0 = performance.now();
      for (let i = 0; i < count; i++) {
        const due = t0 + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        const device = String(2000 + ((sent - count + i) % DEVICES));
        const at = await write(port, paced[i]!);
        const queue = written.get(device) ?? [];
        queue.push(at);
        written.set(device, queue);
      }
      await got;
      delays.sort((a, b) => a - b);
      latency.push({ rate, frames: count, p50Ms: round(percentile(delays, 50)), p99Ms: round(percentile(delays, 99)), maxMs: round(delays[delays.length - 1]!) });
    }
    return { framesPerSec, latency, sample };
  } finally {
    await sub.endAsync();
    if (port.isOpen) await new Promise((r) => port.close(r));
    await gateway.stop();
    await pty.close();
  }
}

/** The ceiling: an embedded aedes on TCP, an mqtt.js client publishing `body` QoS 1, one subscriber. */
async function aedesAlone(count: number, body: string): Promise<number> {
  const aedes = await Aedes.createBroker();
  const server = createServer((socket: Socket) => {
    socket.setNoDelay(true);
    aedes.handle(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`;
  const sub = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  const pub = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  try {
    await sub.subscribeAsync(READINGS, { qos: 1 });
    const done = arrivals(sub, count);
    const started = performance.now();
    for (let i = 0; i < count; i++) pub.publish(`pantau/v1/${SITE}/${2000 + (i % DEVICES)}/traffic`, body, { qos: 1 });
    await done;
    return Math.round(count / ((performance.now() - started) / 1000));
  } finally {
    await pub.endAsync();
    await sub.endAsync();
    await new Promise<void>((r) => aedes.close(() => r()));
    await new Promise<void>((r) => server.close(() => r()));
  }
}

export async function benchUserPath(options: UserPathOptions): Promise<UserPathResult> {
  const dir = mkdtempSync(join(tmpdir(), "pantau-bench-user-"));
  try {
    const full = await fullPath(options, dir);
    const aedesAloneFramesPerSec = await aedesAlone(options.frames, full.sample);
    return {
      fullPathFramesPerSec: full.framesPerSec,
      aedesAloneFramesPerSec,
      fullOverAedes: round(full.framesPerSec / aedesAloneFramesPerSec),
      latency: full.latency,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
