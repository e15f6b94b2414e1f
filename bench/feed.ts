// Feeding a program under test through its PTY and timing what its MQTT subscriber receives:
// throughput (every frame written at once) and latency (frames at a steady offered rate).
import type { MqttClient } from "mqtt";
import { frames, type Fleet } from "./fleet.js";
import type { Pty } from "./pty.js";

/** One program under test: where its frames go in and where its readings come out. */
export interface Target {
  pty: Pty;
  sub: MqttClient;
  /** frames written so far: the next frame's number (see fleet.frames) */
  sent: number;
}

export interface Latency {
  rate: number;
  frames: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Resolves once `count` readings have arrived, calling `each` per arrival; rejects if they stop coming. */
function arrivals(sub: MqttClient, count: number, each: (topic: string, at: number) => void = () => undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = 0;
    let last = performance.now();
    const onMessage = (topic: string): void => {
      last = performance.now();
      each(topic, last);
      if (++seen === count) finish();
    };
    // a lost reading would otherwise hang the bench: 30 s with nothing new is a failure
    const watchdog = setInterval(() => {
      if (performance.now() - last > 30_000) finish(new Error(`readings stopped arriving: ${seen} of ${count} after 30 s of silence`));
    }, 1000);
    const finish = (err?: Error): void => {
      clearInterval(watchdog);
      sub.off("message", onMessage);
      if (err) reject(err);
      else resolve();
    };
    sub.on("message", onMessage);
  });
}

/** Frames per second from the first byte written to the last reading received. */
export async function throughput(target: Target, fleet: Fleet, count: number, devices: number): Promise<number> {
  const input = Buffer.concat(frames(fleet, target.sent, count, devices));
  target.sent += count;
  const done = arrivals(target.sub, count);
  const started = performance.now();
  await target.pty.write(input);
  await done;
  return Math.round(count / ((performance.now() - started) / 1000));
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const ms = (n: number): number => Number(n.toFixed(2));

/** One frame of a latency run: which it was, when it was written and when its reading arrived (epoch ms). */
export interface Sample {
  deviceId: number;
  seq: number;
  writtenAt: number;
  arrivedAt: number;
}

/**
 * From the moment a frame is written to the PTY to its reading at the subscriber, at `rate`
 * frames/s for `seconds`. The write's start, not its completion: the completion callback runs on
 * this process's event loop, which at 5 000/s is busy with arrivals and ran late enough to put
 * readings before their own frames (a negative p50); a write the PTY holds back because the
 * gateway stopped reading is the gateway's delay and counts. Frames due together are written together each millisecond
 * tick, so the pacing holds at 5 000/s; per unit, readings arrive in the order frames were written.
 * Each frame's times go to `samples` when given (the latency trace matches them with the gateway's).
 */
export async function latency(target: Target, fleet: Fleet, rate: number, seconds: number, devices: number, samples?: Sample[]): Promise<Latency> {
  const count = Math.max(10, Math.round(rate * seconds));
  const first = target.sent;
  const paced = frames(fleet, first, count, devices);
  target.sent += count;
  const writtenAt = new Array<number>(count);
  const arrived = new Map<string, number[]>();
  const got = arrivals(target.sub, count, (topic, at) => {
    const unit = topic.split("/")[3]!;
    const list = arrived.get(unit);
    if (list) list.push(at);
    else arrived.set(unit, [at]);
  });
  const t0 = performance.now();
  let i = 0;
  while (i < count) {
    const due = Math.min(count, Math.floor(((performance.now() - t0) * rate) / 1000) + 1);
    if (due > i) {
      writtenAt.fill(performance.now(), i, due);
      await target.pty.write(Buffer.concat(paced.slice(i, due)));
      i = due;
    }
    const next = t0 + (i * 1000) / rate - performance.now();
    if (next > 0) await new Promise((r) => setTimeout(r, Math.max(1, next)));
  }
  await got;
  // the k-th reading of a unit is its k-th frame written
  const taken = new Map<string, number>();
  const delays = writtenAt.map((at, k) => {
    const { id } = fleet.entries[(first + k) % devices]!;
    const nth = taken.get(String(id)) ?? 0;
    taken.set(String(id), nth + 1);
    const arrivedAt = arrived.get(String(id))![nth]!;
    samples?.push({ deviceId: id, seq: Math.floor((first + k) / devices), writtenAt: performance.timeOrigin + at, arrivedAt: performance.timeOrigin + arrivedAt });
    return arrivedAt - at;
  });
  delays.sort((a, b) => a - b);
  return { rate, frames: count, p50Ms: ms(percentile(delays, 50)), p99Ms: ms(percentile(delays, 99)), maxMs: ms(delays[delays.length - 1]!) };
}
