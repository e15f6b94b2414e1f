// What a user gets, side by side in one run: the gateway as `pantau gateway --config` runs it
// (PTY in, store FULL, acks, an MQTT login over TCP), the aedes-alone ceiling, and a Node-RED flow
// doing the same job; throughput as the median of interleaved rounds, latency at steady rates,
// the store's disk per reading, and the gateway's start time and memory at fleet scale.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { MqttClient } from "mqtt";
import { startAedesAlone } from "./aedes-alone.js";
import { latency, throughput, type Latency, type Target } from "./feed.js";
import { READINGS, writeFleet, type Fleet } from "./fleet.js";
import { startGateway } from "./gateway-process.js";
import { installNodeRed, NODE_RED_VERSION, startNodeRed } from "./node-red.js";
import { ptyPair } from "./pty.js";

/** units the throughput and latency frames come from, round robin */
const DEVICES = 100;

export interface UserPathOptions {
  /** frames per case per round */
  frames: number;
  rounds: number;
  /** seconds each latency rate runs */
  latencySeconds: number;
  /** offered frames/s for the latency runs */
  rates: number[];
  /** run the Node-RED flow beside (installs Node-RED on first use) */
  nodeRed: boolean;
  /** fleet sizes for the start time and memory figures */
  scale: number[];
  /** node flags for the gateway process of the main runs, e.g. --cpu-prof */
  gatewayNodeArgs?: string[];
}

export interface Scale {
  devices: number;
  /** the first start with this fleet file: parsed, checked, cached in the data dir */
  firstStartMs: number;
  /** a restart with the same file (as every start after the fleet last changed) */
  startMs: number;
  rssIdleMiB: number;
  /** peak resident memory while one frame from every unit went through */
  rssLoadMiB: number;
  framesPerSec: number;
}

export interface Disk {
  readings: number;
  /** the store file's used pages (readings, indexes, outbox, all) per reading */
  bytesPerReading: number;
  mibPerMillionReadings: number;
}

export interface UserPathResult {
  rounds: number;
  framesPerRound: number;
  /** medians over the rounds, frames/s */
  throughput: { full: number; aedes: number; nodeRed?: number };
  perRound: { full: number[]; aedes: number[]; nodeRed?: number[] };
  ratios: { fullOverAedes: number; fullOverNodeRed?: number };
  latency: { full: Latency[]; nodeRed?: Latency[] };
  gateway: { startMs: number; rssIdleMiB: number; rssPeakMiB: number };
  disk: Disk;
  scale: Scale[];
  nodeRed?: { version: string; sameJson: boolean };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : Math.round((s[mid - 1]! + s[mid]!) / 2);
};
const ratio = (a: number, b: number): number => Number((a / b).toFixed(2));
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The first reading a subscriber receives, for the same-JSON check and the ceiling's body. */
const firstMessage = (sub: MqttClient): Promise<string> => new Promise((resolve) => sub.once("message", (_t, payload) => resolve(payload.toString())));

/** Two readings of the same frame agree but for the times (each run's frames carry the time they were made). */
function sameReading(a: string, b: string): boolean {
  const times = { receivedAt: undefined, dateObserved: undefined, dateObservedFrom: undefined, dateObservedTo: undefined };
  const strip = (json: string) => JSON.stringify({ ...JSON.parse(json), ...times });
  return strip(a) === strip(b);
}

function disk(storeFile: string): Disk {
  const db = new Database(storeFile, { readonly: true });
  try {
    const readings = db.prepare("SELECT count(*) FROM readings").pluck().get() as number;
    const pages = (db.pragma("page_count", { simple: true }) as number) - (db.pragma("freelist_count", { simple: true }) as number);
    const used = pages * (db.pragma("page_size", { simple: true }) as number);
    const bytesPerReading = Math.round(used / readings);
    return { readings, bytesPerReading, mibPerMillionReadings: Math.round((bytesPerReading * 1e6) / 2 ** 20) };
  } finally {
    db.close();
  }
}

async function scaleRun(devices: number, dir: string): Promise<Scale> {
  const fleet = writeFleet(dir, devices);
  const pty = await ptyPair(dir, "scale");
  const first = await startGateway(dir, fleet, pty.gateway);
  await first.stop();
  const gateway = await startGateway(dir, fleet, pty.gateway);
  try {
    await settle(1000);
    const rssIdleMiB = gateway.rssMiB().now;
    const sub = await gateway.subscribe(READINGS);
    const framesPerSec = await throughput({ pty, sub, sent: 0 }, fleet, devices, devices);
    await sub.endAsync();
    return { devices, firstStartMs: first.startMs, startMs: gateway.startMs, rssIdleMiB, rssLoadMiB: gateway.rssMiB().peak, framesPerSec };
  } finally {
    await gateway.stop();
    await pty.close();
  }
}

export async function benchUserPath(o: UserPathOptions): Promise<UserPathResult> {
  const root = mkdtempSync(join(tmpdir(), "pantau-bench-user-"));
  const stops: Array<() => Promise<void>> = [];
  try {
    const red = o.nodeRed ? installNodeRed() : undefined;
    const fleet: Fleet = writeFleet(root, DEVICES);

    const gatewayPty = await ptyPair(root, "gateway");
    stops.push(() => gatewayPty.close());
    const gateway = await startGateway(root, fleet, gatewayPty.gateway, o.gatewayNodeArgs);
    stops.unshift(() => gateway.stop());
    await settle(500);
    const gatewayIdle = gateway.rssMiB().now;
    const full: Target = { pty: gatewayPty, sub: await gateway.subscribe(READINGS), sent: 0 };
    stops.unshift(() => full.sub.endAsync());
    const fullSample = firstMessage(full.sub);

    let flow: Target | undefined;
    let flowSample: Promise<string> | undefined;
    if (red) {
      const flowPty = await ptyPair(root, "node-red");
      stops.push(() => flowPty.close());
      const nodeRed = await startNodeRed(red, root, fleet, flowPty.gateway);
      stops.unshift(() => nodeRed.stop());
      flow = { pty: flowPty, sub: await nodeRed.subscribe(READINGS), sent: 0 };
      stops.unshift(() => flow!.sub.endAsync());
      flowSample = firstMessage(flow.sub);
    }
    const aedes = await startAedesAlone();
    stops.unshift(() => aedes.stop());

    const perRound = { full: [] as number[], aedes: [] as number[], nodeRed: [] as number[] };
    let body: string | undefined;
    const cases: Array<() => Promise<void>> = [
      async () => {
        perRound.full.push(await throughput(full, fleet, o.frames, DEVICES));
        body ??= await fullSample;
      },
      async () => { perRound.aedes.push(await aedes.run(o.frames, body!)); },
      ...(flow ? [async () => { perRound.nodeRed.push(await throughput(flow!, fleet, o.frames, DEVICES)); }] : []),
    ];
    for (let r = 0; r < o.rounds; r++) {
      // interleaved, each round starting with the next case (the first always runs first once, for the ceiling's body)
      const order = r === 0 ? cases : [...cases.slice(r % cases.length), ...cases.slice(0, r % cases.length)];
      for (const run of order) await run();
      console.log(`round ${r + 1}/${o.rounds}: full ${perRound.full.at(-1)}, aedes ${perRound.aedes.at(-1)}${flow ? `, Node-RED ${perRound.nodeRed.at(-1)}` : ""} frames/s`);
    }

    const latencies: { full: Latency[]; nodeRed: Latency[] } = { full: [], nodeRed: [] };
    for (const rate of o.rates) {
      latencies.full.push(await latency(full, fleet, rate, o.latencySeconds, DEVICES));
      if (flow) latencies.nodeRed.push(await latency(flow, fleet, rate, o.latencySeconds, DEVICES));
    }
    const gatewayFigures = { startMs: gateway.startMs, rssIdleMiB: gatewayIdle, rssPeakMiB: gateway.rssMiB().peak };

    // everything stopped (the gateway checkpoints its store on the way out) before the disk is read
    for (const stop of stops.splice(0)) await stop();
    const diskFigures = disk(gateway.storeFile);

    const scale: Scale[] = [];
    for (const devices of o.scale) {
      const dir = mkdtempSync(join(root, `scale-${devices}-`));
      scale.push(await scaleRun(devices, dir));
      console.log(`scale ${devices} devices: first start ${scale.at(-1)!.firstStartMs} ms, start ${scale.at(-1)!.startMs} ms, RSS ${scale.at(-1)!.rssIdleMiB} MiB idle, ${scale.at(-1)!.rssLoadMiB} MiB under load`);
    }

    const throughputs = { full: median(perRound.full), aedes: median(perRound.aedes), ...(flow ? { nodeRed: median(perRound.nodeRed) } : {}) };
    return {
      rounds: o.rounds,
      framesPerRound: o.frames,
      throughput: throughputs,
      perRound: { full: perRound.full, aedes: perRound.aedes, ...(flow ? { nodeRed: perRound.nodeRed } : {}) },
      ratios: {
        fullOverAedes: ratio(throughputs.full, throughputs.aedes),
        ...(throughputs.nodeRed ? { fullOverNodeRed: ratio(throughputs.full, throughputs.nodeRed) } : {}),
      },
      latency: { full: latencies.full, ...(flow ? { nodeRed: latencies.nodeRed } : {}) },
      gateway: gatewayFigures,
      disk: diskFigures,
      scale,
      ...(flowSample ? { nodeRed: { version: NODE_RED_VERSION, sameJson: sameReading(body!, await flowSample) } } : {}),
    };
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  }
}
