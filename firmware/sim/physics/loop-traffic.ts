// Inductive-loop physics for the loop role: each loop is an LC oscillator, f = 1/(2π√(LC)),
// whose inductance falls while a vehicle's metal covers it (DOMAIN.md), and the pulse counter
// sees the integral of that frequency. Vehicles are scripted (or drawn from a seeded stream)
// with known lane, speed, length and kind, so a test can compare the firmware with the truth.
// Runs on XS and Node: no allocation per counter read, bounded state for endless streams.

import type { SimPlatform } from "../sim-platform.js";

export type VehicleKind = "motorcycle" | "car" | "van" | "truck" | "bus" | "semi" | "roadTrain";

export interface Vehicle {
  lane: number;
  /** when the front crosses the lane's reference line (position 0) */
  arriveMs: number;
  speedMps: number;
  lengthM: number;
  kind: VehicleKind;
  /** ΔL/L magnitude with the loop fully covered, a positive fraction */
  peakShift: number;
}

export interface LoopSite {
  /** the platform pulse-counter input, e.g. "loop0" */
  input: string;
  lane: number;
  /** leading edge along the direction of travel, from the lane's reference line */
  positionM: number;
  /** extent along the direction of travel */
  lengthM: number;
  /** loop plus lead-in */
  inductanceUH: number;
  capacitanceNF: number;
}

/** Slow change of every loop's inductance: temperature over the day and a steady trend. */
export interface Drift {
  /** ΔL/L per hour, e.g. -0.001 (L falls, so f rises like under a vehicle) */
  ratePerHour?: number;
  /** ΔL/L amplitude of the daily swing */
  amplitude?: number;
  periodMs?: number;
}

/**
 * Things that are not traffic: a broken (open) or shorted loop, a vehicle parked on the loop,
 * a loose splice that makes the inductance jump (chatter).
 */
export interface LoopEvent {
  input: string;
  kind: "open" | "short" | "park" | "chatter";
  fromMs: number;
  toMs: number;
  /** ΔL/L magnitude for park and chatter */
  shift?: number;
  /** chatter square-wave period */
  periodMs?: number;
}

/**
 * Typical figures per kind. A car lowers L by a few percent (about 5 µH of 100 µH on a square
 * loop); a motorcycle by 1–2 % of a car's change (DOMAIN.md). The change falls with the height
 * of the undercarriage above the loop, so high-bed trucks and buses change L less than cars
 * despite their size. Each vehicle varies ±20 % around its kind's figure.
 */
export const KINDS: Readonly<Record<VehicleKind, { minM: number; maxM: number; shift: number }>> = {
  motorcycle: { minM: 1.8, maxM: 2.0, shift: 0.001 },
  car: { minM: 3.6, maxM: 4.9, shift: 0.05 },
  van: { minM: 4.9, maxM: 5.8, shift: 0.035 },
  truck: { minM: 7.5, maxM: 10.0, shift: 0.02 },
  bus: { minM: 11.9, maxM: 12.2, shift: 0.02 },
  semi: { minM: 15.0, maxM: 17.0, shift: 0.018 },
  roadTrain: { minM: 20.0, maxM: 22.0, shift: 0.018 },
};

/** Loop and lead-in inductance and tuning capacitor per loop index: 94–119 kHz, all different. */
const TUNINGS: readonly (readonly [number, number])[] = [[100, 21], [90, 20], [110, 22], [120, 24]];

/**
 * A typical 1.8 m loop. Each index gets its own frequency, as adjacent loops of a detector do
 * so as not to couple.
 */
export function typicalLoop(input: string, lane: number, positionM: number, index: number): LoopSite {
  const [inductanceUH, capacitanceNF] = TUNINGS[index % TUNINGS.length] as readonly [number, number];
  return { input, lane, positionM, lengthM: 1.8, inductanceUH, capacitanceNF };
}

/** A small seeded generator (xorshift32), so scenarios are reproducible on XS and Node. */
export function seededRandom(seed: number): () => number {
  let s = (seed >>> 0) || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

function normal(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export interface TrafficProfile {
  lane: number;
  startMs?: number;
  /** stop after this many vehicles; endless when absent */
  count?: number;
  flowPerHour: number;
  /** relative weights of the kinds */
  mix: Partial<Record<VehicleKind, number>>;
  speedKmh: { mean: number; sd: number; min: number; max: number };
  /** far edge of the last loop: followers never close in on a leader before it */
  extentM: number;
  /** clear time between one vehicle's rear and the next one's front, at every loop */
  minGapS: number;
}

/** An arrival-ordered stream of vehicles with random kinds, speeds and gaps (shifted exponential). */
export function randomTraffic(seed: number, profile: TrafficProfile): () => Vehicle | undefined {
  const random = seededRandom(seed);
  const kinds = Object.keys(profile.mix) as VehicleKind[];
  const total = kinds.reduce((sum, k) => sum + (profile.mix[k] ?? 0), 0);
  const meanHeadwayS = 3600 / profile.flowPerHour;
  let produced = 0;
  let previous: Vehicle | undefined;
  const pickKind = (): VehicleKind => {
    let r = random() * total;
    for (const k of kinds) {
      r -= profile.mix[k] ?? 0;
      if (r < 0) return k;
    }
    return kinds[kinds.length - 1] ?? "car";
  };
  return () => {
    if (profile.count !== undefined && produced >= profile.count) return undefined;
    const kind = pickKind();
    const spec = KINDS[kind];
    const { mean, sd, min, max } = profile.speedKmh;
    const speedMps = Math.min(max, Math.max(min, mean + sd * normal(random))) / 3.6;
    const lengthM = spec.minM + (spec.maxM - spec.minM) * random();
    const peakShift = spec.shift * (0.8 + 0.4 * random());
    let arriveMs = profile.startMs ?? 0;
    if (previous) {
      const headwayS = -Math.log(1 - random()) * meanHeadwayS * 0.5 + meanHeadwayS * 0.5;
      arriveMs = Math.max(previous.arriveMs + headwayS * 1000, earliestFollow(previous, speedMps, profile));
    }
    previous = { lane: profile.lane, arriveMs, speedMps, lengthM, kind, peakShift };
    produced++;
    return previous;
  };
}

/** The earliest arrival that keeps minGapS behind the leader over the whole lane extent. */
function earliestFollow(leader: Vehicle, speedMps: number, profile: TrafficProfile): number {
  let earliest = 0;
  for (const x of [0, profile.extentM]) {
    const rearLeavesS = (x + leader.lengthM) / leader.speedMps;
    earliest = Math.max(earliest, leader.arriveMs + (rearLeavesS + profile.minGapS - x / speedMps) * 1000);
  }
  return earliest;
}

/** A stream over a fixed, arrival-ordered list. */
export function listTraffic(vehicles: readonly Vehicle[]): () => Vehicle | undefined {
  let index = 0;
  return () => vehicles[index++];
}

/** All vehicles of a finite stream, in order. */
export function collect(next: () => Vehicle | undefined): Vehicle[] {
  const all: Vehicle[] = [];
  for (let v = next(); v; v = next()) all.push(v);
  return all;
}

/** Several lanes' streams merged into one arrival-ordered stream. */
export function mergeTraffic(streams: (() => Vehicle | undefined)[]): () => Vehicle | undefined {
  const heads = streams.map((s) => s());
  return () => {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      const b = best < 0 ? undefined : heads[best];
      if (h && (!b || h.arriveMs < b.arriveMs)) best = i;
    }
    if (best < 0) return undefined;
    const chosen = heads[best];
    heads[best] = streams[best]?.();
    return chosen;
  };
}

/** Fraction of the loop's full change a vehicle causes at an instant (0 when it is off the loop). */
export function coverage(v: Vehicle, loop: LoopSite, tMs: number): number {
  const front = (v.speedMps * (tMs - v.arriveMs)) / 1000;
  const overlap = Math.min(front, loop.positionM + loop.lengthM) - Math.max(front - v.lengthM, loop.positionM);
  return overlap <= 0 ? 0 : Math.min(1, overlap / Math.min(v.lengthM, loop.lengthM));
}

/** When the vehicle's front reaches the loop. */
export function zoneStartMs(v: Vehicle, loop: LoopSite): number {
  return v.arriveMs + (loop.positionM / v.speedMps) * 1000;
}

/** When its rear leaves the loop: the detection zone is loop + vehicle length. */
export function zoneEndMs(v: Vehicle, loop: LoopSite): number {
  return v.arriveMs + ((loop.positionM + loop.lengthM + v.lengthM) / v.speedMps) * 1000;
}

export interface LoopTrafficOptions {
  drift?: Drift;
  events?: readonly LoopEvent[];
  /** sub-step while the inductance changes fast (a vehicle or an event on the loop) */
  stepMs?: number;
  /** oscillator frequency noise: rms relative error of each integration span, in ppm */
  noisePpm?: number;
  /** seed of the noise */
  seed?: number;
}

/** how long after leaving its last loop a vehicle is kept, for reads that lag behind others */
const KEEP_MS = 2000;
const SHORTED_L = 0.3;

/** Oscillator state of one loop: where its counter's integration has reached. */
interface Oscillator {
  site: LoopSite;
  /** 2π√C, so that f = 1 / (k √L) */
  k: number;
  l0: number;
  cursorMs: number;
  /** fractional cycle carried between reads, so counts telescope exactly */
  phase: number;
  events: LoopEvent[];
}

export class LoopTraffic {
  private readonly oscillators: Oscillator[] = [];
  private readonly active: Vehicle[] = [];
  private pending: Vehicle | undefined;
  private readonly stepMs: number;
  private readonly random: () => number;

  constructor(
    loops: readonly LoopSite[],
    private readonly next: () => Vehicle | undefined,
    private readonly options: LoopTrafficOptions = {},
  ) {
    this.stepMs = options.stepMs ?? 1;
    this.random = seededRandom(options.seed ?? 1);
    for (const site of loops) {
      const l0 = site.inductanceUH * 1e-6;
      this.oscillators.push({
        site, l0, k: 2 * Math.PI * Math.sqrt(site.capacitanceNF * 1e-9), cursorMs: 0, phase: 0,
        events: (options.events ?? []).filter((e) => e.input === site.input),
      });
    }
    this.pending = next();
  }

  /** Wires every loop's oscillator to the simulated board's pulse-counter inputs. */
  attach(sim: SimPlatform): void {
    for (const osc of this.oscillators) {
      sim.setPulseSource(osc.site.input, (from, to) => this.counts(osc.site.input, from, to));
    }
  }

  /** The loop's resting frequency at install (no drift, no vehicle). */
  tunedHz(input: string): number {
    const osc = this.oscillator(input);
    return 1 / (osc.k * Math.sqrt(osc.l0));
  }

  /** Instantaneous oscillator frequency; 0 while the loop is open. */
  frequencyHz(input: string, tMs: number): number {
    return this.frequency(this.oscillator(input), tMs);
  }

  /** Whole cycles between two instants; reads must not go back in time. */
  counts(input: string, fromMs: number, toMs: number): number {
    const osc = this.oscillator(input);
    this.admit(toMs);
    if (fromMs > osc.cursorMs) this.integrate(osc, fromMs); // cycles nobody asked for are lost
    if (toMs <= osc.cursorMs) return 0;
    const before = osc.phase;
    this.integrate(osc, toMs);
    const whole = Math.floor(osc.phase) - Math.floor(before);
    osc.phase -= Math.floor(osc.phase);
    return whole;
  }

  private oscillator(input: string): Oscillator {
    for (let i = 0; i < this.oscillators.length; i++) {
      const osc = this.oscillators[i] as Oscillator;
      if (osc.site.input === input) return osc;
    }
    throw new RangeError(`no loop on input ${input}`);
  }

  /** Brings vehicles that have reached the reference line into play; forgets long-gone ones. */
  private admit(tMs: number): void {
    while (this.pending && this.pending.arriveMs <= tMs) {
      this.active.push(this.pending);
      this.pending = this.next();
    }
    let gone = 0;
    while (gone < this.active.length && this.leftAll(this.active[gone] as Vehicle, tMs - KEEP_MS)) gone++;
    if (gone > 0) this.active.splice(0, gone);
  }

  private leftAll(v: Vehicle, tMs: number): boolean {
    for (let i = 0; i < this.oscillators.length; i++) {
      const site = (this.oscillators[i] as Oscillator).site;
      if (site.lane === v.lane && zoneEndMs(v, site) > tMs) return false;
    }
    return true;
  }

  private integrate(osc: Oscillator, toMs: number): void {
    const from = osc.cursorMs;
    let cycles = 0;
    if (this.busy(osc, from, toMs)) {
      for (let t = from; t < toMs; t += this.stepMs) {
        const end = Math.min(toMs, t + this.stepMs);
        cycles += (this.frequency(osc, (t + end) / 2) * (end - t)) / 1000;
      }
    } else {
      cycles = (this.frequency(osc, (from + toMs) / 2) * (toMs - from)) / 1000;
    }
    const noise = this.options.noisePpm ? this.options.noisePpm * 1e-6 * normal(this.random) : 0;
    osc.phase += cycles * (1 + noise);
    osc.cursorMs = toMs;
  }

  /** Whether anything changes the inductance quickly within the span (then it is sub-stepped). */
  private busy(osc: Oscillator, fromMs: number, toMs: number): boolean {
    for (let i = 0; i < osc.events.length; i++) {
      const e = osc.events[i] as LoopEvent;
      if (e.fromMs < toMs && e.toMs > fromMs) return true;
    }
    for (let i = 0; i < this.active.length; i++) {
      const v = this.active[i] as Vehicle;
      if (v.lane === osc.site.lane && zoneStartMs(v, osc.site) < toMs && zoneEndMs(v, osc.site) > fromMs) return true;
    }
    return false;
  }

  private frequency(osc: Oscillator, tMs: number): number {
    let shift = this.drift(tMs);
    let scale = 1;
    for (let i = 0; i < osc.events.length; i++) {
      const e = osc.events[i] as LoopEvent;
      if (tMs < e.fromMs || tMs >= e.toMs) continue;
      if (e.kind === "open") return 0;
      if (e.kind === "short") scale = SHORTED_L;
      else if (e.kind === "park") shift -= e.shift ?? 0.04;
      else if (Math.floor((tMs - e.fromMs) / ((e.periodMs ?? 200) / 2)) % 2 === 0) shift -= e.shift ?? 0.01;
    }
    for (let i = 0; i < this.active.length; i++) {
      const v = this.active[i] as Vehicle;
      if (v.lane === osc.site.lane) shift -= v.peakShift * coverage(v, osc.site, tMs);
    }
    return 1 / (osc.k * Math.sqrt(osc.l0 * scale * (1 + shift)));
  }

  private drift(tMs: number): number {
    const d = this.options.drift;
    if (!d) return 0;
    const trend = ((d.ratePerHour ?? 0) * tMs) / 3_600_000;
    const swing = (d.amplitude ?? 0) * Math.sin((2 * Math.PI * tMs) / (d.periodMs ?? 86_400_000));
    return trend + swing;
  }
}

/** What really happened in one lane over one interval, counted at the lead loop. */
export interface LaneTruth {
  volume: number;
  /** Σ time covered by a vehicle ÷ interval, as a fraction */
  occupancy: number;
  meanSpeedKmh: number | undefined;
  meanLengthM: number | undefined;
  /** per length bin, the bins bounded by classEdgesM */
  classes: number[];
  /** mean time from each counted vehicle's predecessor to it, seconds */
  meanHeadwayS: number | undefined;
}

export function laneTruth(
  vehicles: readonly Vehicle[], lead: LoopSite, fromMs: number, toMs: number, classEdgesM: readonly number[],
): LaneTruth {
  const classes = new Array<number>(classEdgesM.length + 1).fill(0);
  let volume = 0, coveredMs = 0, speedSum = 0, lengthSum = 0, headwaySum = 0, headways = 0;
  let previousFrom: number | undefined;
  for (const v of vehicles) {
    if (v.lane !== lead.lane) continue;
    const start = zoneStartMs(v, lead);
    coveredMs += Math.max(0, Math.min(zoneEndMs(v, lead), toMs) - Math.max(start, fromMs));
    if (start >= fromMs && start < toMs) {
      volume++;
      speedSum += v.speedMps * 3.6;
      lengthSum += v.lengthM;
      let bin = 0;
      while (bin < classEdgesM.length && v.lengthM >= (classEdgesM[bin] as number)) bin++;
      classes[bin] = (classes[bin] ?? 0) + 1;
      if (previousFrom !== undefined) {
        headwaySum += (start - previousFrom) / 1000;
        headways++;
      }
    }
    previousFrom = start;
  }
  return {
    volume,
    occupancy: coveredMs / (toMs - fromMs),
    meanSpeedKmh: volume ? speedSum / volume : undefined,
    meanLengthM: volume ? lengthSum / volume : undefined,
    classes,
    meanHeadwayS: headways ? headwaySum / headways : undefined,
  };
}
