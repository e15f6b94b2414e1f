// Inductive-loop physics for the loop role: each loop is an LC oscillator, f = 1/(2π√(LC)),
// whose inductance falls while a vehicle's metal covers it (DOMAIN.md). The board measures it
// by reciprocal counting as the device does (firmware/native/cycle-timer): every STAMP_CYCLES-th
// edge is stamped by an 80 MHz clock, so a read is whole cycles over the time between two
// stamps, quantised to the clock's tick, with the edges' jitter and the oscillator's noise.
// Vehicles are scripted (or drawn from a seeded stream) with known lane, speed, length and
// kind, so a test can compare the firmware with the truth.
// Runs on XS and Node: no allocation per read, bounded state for endless streams.

import type { SimPlatform } from "../sim-platform.js";

/** cycles between stamped edges: the capture unit's input prescaler on the device */
export const STAMP_CYCLES = 64;
/** the stamping clock's tick, ms: the ESP32's 80 MHz APB clock */
export const STAMP_TICK_MS = 1 / 80_000;

export type VehicleKind = "motorcycle" | "car" | "van" | "truck" | "bus" | "semi" | "truckTrailer" | "roadTrain";

export interface Vehicle {
  lane: number;
  /** when the front crosses the lane's reference line (position 0) */
  arriveMs: number;
  /** while moving; a queue's stop is stopMs at stopAtM */
  speedMps: number;
  lengthM: number;
  kind: VehicleKind;
  /** ΔL/L magnitude with the loop fully covered, a positive fraction */
  peakShift: number;
  /** where the front halts in a queue (from the reference line), and for how long */
  stopAtM?: number;
  stopMs?: number;
  /** a stretch with little metal (a trailer's drawbar): from this far behind the front, this long */
  gapAtM?: number;
  gapM?: number;
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
export const KINDS: Readonly<Record<VehicleKind, { minM: number; maxM: number; shift: number; drawbar?: { atM: number; lengthM: number } }>> = {
  motorcycle: { minM: 1.8, maxM: 2.0, shift: 0.001 },
  car: { minM: 3.6, maxM: 4.9, shift: 0.05 },
  van: { minM: 4.9, maxM: 5.8, shift: 0.035 },
  truck: { minM: 7.5, maxM: 10.0, shift: 0.02 },
  bus: { minM: 11.9, maxM: 12.2, shift: 0.02 },
  semi: { minM: 15.0, maxM: 17.0, shift: 0.018 },
  // a rigid truck towing a trailer (truk gandeng): over 16 m, Indonesia's longest ferry class
  // (Okezone, 1 April 2025, on the ASDP vehicle classes); the drawbar leaves 1.2 m of little metal
  truckTrailer: { minM: 16.5, maxM: 18.0, shift: 0.02, drawbar: { atM: 8.0, lengthM: 1.2 } },
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
  /** share of motorcycles with a second one riding abreast (within 0.1 s of it, same speed) */
  abreast?: number;
  /** share of vehicles that follow their leader closely, at a headway drawn from this range */
  follow?: { share: number; headwayS: Range };
  /** share of vehicles that halt once in a queue, front at atM, for ms */
  stops?: { share: number; atM: Range; ms: Range };
}

export interface Range {
  min: number;
  max: number;
}

/**
 * An arrival-ordered stream of vehicles with random kinds, speeds and gaps (shifted exponential
 * headways, or a close follower's), some stopping in a queue, some motorcycles riding abreast.
 */
export function randomTraffic(seed: number, profile: TrafficProfile): () => Vehicle | undefined {
  const random = seededRandom(seed);
  const kinds = Object.keys(profile.mix) as VehicleKind[];
  const total = kinds.reduce((sum, k) => sum + (profile.mix[k] ?? 0), 0);
  const meanHeadwayS = 3600 / profile.flowPerHour;
  const within = (r: Range): number => r.min + (r.max - r.min) * random();
  let produced = 0;
  let previous: Vehicle | undefined;
  let companion: Vehicle | undefined;
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
    produced++;
    if (companion) {
      previous = companion;
      companion = undefined;
      return previous;
    }
    const kind = pickKind();
    const spec = KINDS[kind];
    const { mean, sd, min, max } = profile.speedKmh;
    const speedMps = Math.min(max, Math.max(min, mean + sd * normal(random))) / 3.6;
    const lengthM = spec.minM + (spec.maxM - spec.minM) * random();
    const peakShift = spec.shift * (0.8 + 0.4 * random());
    const v: Vehicle = { lane: profile.lane, arriveMs: profile.startMs ?? 0, speedMps, lengthM, kind, peakShift };
    if (spec.drawbar) {
      v.gapAtM = spec.drawbar.atM;
      v.gapM = spec.drawbar.lengthM;
    }
    const stops = profile.stops;
    if (stops && random() < stops.share) {
      v.stopAtM = within(stops.atM);
      v.stopMs = within(stops.ms);
    }
    if (previous) {
      const follow = profile.follow;
      const headwayS = follow && random() < follow.share
        ? within(follow.headwayS)
        : -Math.log(1 - random()) * meanHeadwayS * 0.5 + meanHeadwayS * 0.5;
      v.arriveMs = Math.max(previous.arriveMs + headwayS * 1000, earliestFollow(previous, v, profile));
    }
    if (kind === "motorcycle" && profile.abreast && random() < profile.abreast && produced < (profile.count ?? Infinity)) {
      companion = { ...v, arriveMs: v.arriveMs + 100 * random(), lengthM: spec.minM + (spec.maxM - spec.minM) * random() };
      companion.peakShift = spec.shift * (0.8 + 0.4 * random());
    }
    previous = v;
    return v;
  };
}

/** Checkpoints along the lane where a follower must keep its gap: dense enough to catch a stop between them. */
const FOLLOW_STEP_M = 0.5;

/** The earliest arrival that keeps minGapS behind the leader all along the lane extent. */
function earliestFollow(leader: Vehicle, follower: Vehicle, profile: TrafficProfile): number {
  let earliest = 0;
  const from = Math.min(0, leader.stopAtM ?? 0, follower.stopAtM ?? 0);
  for (let x = from; ; x = Math.min(profile.extentM, x + FOLLOW_STEP_M)) {
    const rearLeavesMs = reachMs(leader, x + leader.lengthM);
    // the follower's own travel from the reference line to x, its stop included
    const travelMs = reachMs({ ...follower, arriveMs: 0 }, x);
    earliest = Math.max(earliest, rearLeavesMs + profile.minGapS * 1000 - travelMs);
    if (x >= profile.extentM) return earliest;
  }
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

/** Where the front is at tMs: it moves at speedMps but for its stop. */
export function frontM(v: Vehicle, tMs: number): number {
  const moved = (v.speedMps * (tMs - v.arriveMs)) / 1000;
  if (v.stopAtM === undefined || moved <= v.stopAtM) return moved;
  return Math.max(v.stopAtM, moved - (v.speedMps * (v.stopMs ?? 0)) / 1000);
}

/** When the front reaches position x. */
export function reachMs(v: Vehicle, x: number): number {
  const t = v.arriveMs + (x / v.speedMps) * 1000;
  return v.stopAtM !== undefined && x > v.stopAtM ? t + (v.stopMs ?? 0) : t;
}

function overlapM(fromM: number, toM: number, loop: LoopSite): number {
  return Math.max(0, Math.min(toM, loop.positionM + loop.lengthM) - Math.max(fromM, loop.positionM));
}

/** Fraction of the loop's full change a vehicle causes at an instant (0 when it is off the loop). */
export function coverage(v: Vehicle, loop: LoopSite, tMs: number): number {
  const front = frontM(v, tMs);
  let overlap = overlapM(front - v.lengthM, front, loop);
  if (overlap > 0 && v.gapM) overlap -= overlapM(front - (v.gapAtM ?? 0) - v.gapM, front - (v.gapAtM ?? 0), loop);
  return overlap <= 0 ? 0 : Math.min(1, overlap / Math.min(v.lengthM, loop.lengthM));
}

/** When the vehicle's front reaches the loop. */
export function zoneStartMs(v: Vehicle, loop: LoopSite): number {
  return reachMs(v, loop.positionM);
}

/** When its rear leaves the loop: the detection zone is loop + vehicle length. */
export function zoneEndMs(v: Vehicle, loop: LoopSite): number {
  return reachMs(v, loop.positionM + loop.lengthM + v.lengthM);
}

/** Whether the vehicle moves at some time within the span (a stopped one changes nothing). */
function movesWithin(v: Vehicle, fromMs: number, toMs: number): boolean {
  if (v.stopAtM === undefined) return true;
  const halt = reachMs(v, v.stopAtM);
  return fromMs < halt || toMs > halt + (v.stopMs ?? 0);
}

export interface LoopTrafficOptions {
  drift?: Drift;
  events?: readonly LoopEvent[];
  /** sub-step while the inductance changes fast (a vehicle or an event on the loop) */
  stepMs?: number;
  /** oscillator frequency noise: rms relative error of each integration span, in ppm */
  noisePpm?: number;
  /** rms jitter of a stamped edge (the squaring comparator's noise), ns; default 10 (unconfirmed) */
  jitterNs?: number;
  /**
   * crosstalk: the share of the vehicles' ΔL/L on another loop that a loop sees when their
   * resting frequencies lie within COUPLING_BAND of each other (a modelled coupling, not measured)
   */
  crosstalk?: number;
  /** seed of the noise */
  seed?: number;
}

/** how long after leaving its last loop a vehicle is kept, for reads that lag behind others */
const KEEP_MS = 2000;
const SHORTED_L = 0.3;
const DEFAULT_JITTER_NS = 10;
/** loops closer than this in resting frequency (relative) couple in the model */
export const COUPLING_BAND = 0.05;

/** Oscillator state of one loop: where its integration has reached and its last stamped edge. */
interface Oscillator {
  site: LoopSite;
  /** 2π√C, so that f = 1 / (k √L) */
  k: number;
  l0: number;
  cursorMs: number;
  /** whole cycles since the start, and the fraction of the current one */
  whole: number;
  phase: number;
  /** when the latest STAMP_CYCLES-th edge passed */
  edgeMs: number;
  /** the cycle number of the last stamped edge, its stamp, and the span of the last read */
  stamped: number;
  stampMs: number;
  spanMs: number;
  events: LoopEvent[];
  /** the loops it couples with (crosstalk) */
  coupled: Oscillator[];
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
        site, l0, k: 2 * Math.PI * Math.sqrt(site.capacitanceNF * 1e-9), cursorMs: 0, whole: 0, phase: 0,
        edgeMs: 0, stamped: 0, stampMs: 0, spanMs: 0,
        events: (options.events ?? []).filter((e) => e.input === site.input), coupled: [],
      });
    }
    if (options.crosstalk) {
      for (const a of this.oscillators) {
        const fa = 1 / (a.k * Math.sqrt(a.l0));
        for (const b of this.oscillators) {
          const fb = 1 / (b.k * Math.sqrt(b.l0));
          if (a !== b && Math.abs(fa - fb) / Math.min(fa, fb) < COUPLING_BAND) a.coupled.push(b);
        }
      }
    }
    this.pending = next();
  }

  /** Wires every loop's oscillator to the simulated board's cycle-timer inputs. */
  attach(sim: SimPlatform): void {
    for (const osc of this.oscillators) {
      const input = osc.site.input;
      sim.setCycleSource(input, { read: (toMs) => this.read(input, toMs), spanMs: () => osc.spanMs, tickMs: STAMP_TICK_MS });
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

  /**
   * A read at toMs: the cycles from the previously stamped edge to the last edge stamped before
   * toMs (0 if none was), their span by the stamps then in spanMs(). Reads must not go back in time.
   */
  read(input: string, toMs: number): number {
    const osc = this.oscillator(input);
    this.admit(toMs);
    if (toMs > osc.cursorMs) this.integrate(osc, toMs);
    const edge = Math.floor(osc.whole / STAMP_CYCLES) * STAMP_CYCLES;
    if (edge <= osc.stamped) {
      osc.spanMs = 0;
      return 0;
    }
    const jitterTicks = ((this.options.jitterNs ?? DEFAULT_JITTER_NS) * 1e-6 * normal(this.random)) / STAMP_TICK_MS;
    const stampMs = Math.floor(osc.edgeMs / STAMP_TICK_MS + jitterTicks) * STAMP_TICK_MS;
    const cycles = edge - osc.stamped;
    osc.spanMs = stampMs - osc.stampMs;
    osc.stamped = edge;
    osc.stampMs = stampMs;
    return cycles;
  }

  /** the span of the latest read, ms */
  spanMs(input: string): number {
    return this.oscillator(input).spanMs;
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
    const scale = 1 + (this.options.noisePpm ? this.options.noisePpm * 1e-6 * normal(this.random) : 0);
    if (this.busy(osc, from, toMs)) {
      for (let t = from; t < toMs; t += this.stepMs) {
        const end = Math.min(toMs, t + this.stepMs);
        this.advance(osc, t, end, ((this.frequency(osc, (t + end) / 2) * (end - t)) / 1000) * scale);
      }
    } else {
      this.advance(osc, from, toMs, ((this.frequency(osc, (from + toMs) / 2) * (toMs - from)) / 1000) * scale);
    }
    osc.cursorMs = toMs;
  }

  /** Adds a step's cycles; an edge due for a stamp within it is placed by linear interpolation. */
  private advance(osc: Oscillator, fromMs: number, toMs: number, cycles: number): void {
    const before = osc.whole + osc.phase;
    osc.phase += cycles;
    const whole = Math.floor(osc.phase);
    osc.whole += whole;
    osc.phase -= whole;
    const edge = Math.floor(osc.whole / STAMP_CYCLES) * STAMP_CYCLES;
    if (edge > before && cycles > 0) osc.edgeMs = fromMs + ((edge - before) / cycles) * (toMs - fromMs);
  }

  /** Whether anything changes the inductance quickly within the span (then it is sub-stepped). */
  private busy(osc: Oscillator, fromMs: number, toMs: number): boolean {
    for (let i = 0; i < osc.events.length; i++) {
      const e = osc.events[i] as LoopEvent;
      if (e.fromMs < toMs && e.toMs > fromMs) return true;
    }
    if (this.moving(osc.site, fromMs, toMs)) return true;
    for (let i = 0; i < osc.coupled.length; i++) if (this.moving((osc.coupled[i] as Oscillator).site, fromMs, toMs)) return true;
    return false;
  }

  /** whether a vehicle moves on the loop within the span */
  private moving(site: LoopSite, fromMs: number, toMs: number): boolean {
    for (let i = 0; i < this.active.length; i++) {
      const v = this.active[i] as Vehicle;
      if (v.lane !== site.lane || !movesWithin(v, fromMs, toMs)) continue;
      if (zoneStartMs(v, site) < toMs && zoneEndMs(v, site) > fromMs) return true;
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
    shift -= this.vehicleShift(osc.site, tMs);
    for (let i = 0; i < osc.coupled.length; i++) {
      shift -= (this.options.crosstalk ?? 0) * this.vehicleShift((osc.coupled[i] as Oscillator).site, tMs);
    }
    return 1 / (osc.k * Math.sqrt(osc.l0 * scale * (1 + shift)));
  }

  /** the vehicles' ΔL/L on a loop */
  private vehicleShift(site: LoopSite, tMs: number): number {
    let shift = 0;
    for (let i = 0; i < this.active.length; i++) {
      const v = this.active[i] as Vehicle;
      if (v.lane === site.lane) shift += v.peakShift * coverage(v, site, tMs);
    }
    return shift;
  }

  private drift(tMs: number): number {
    const d = this.options.drift;
    if (!d) return 0;
    const trend = ((d.ratePerHour ?? 0) * tMs) / 3_600_000;
    const swing = (d.amplitude ?? 0) * Math.sin((2 * Math.PI * tMs) / (d.periodMs ?? 86_400_000));
    return trend + swing;
  }
}

/** One thing a loop can see: vehicles its signal never falls below the off threshold between. */
export interface Detection {
  /**
   * the loop's occupied time as a detector can place it: the signal's rise through the on
   * threshold and its fall through the off threshold, each followed along its slope to zero
   * (the zone's start and end for a vehicle that moves on and off; a vehicle standing barely on
   * the loop's edge, below the threshold, is no part of it)
   */
  startMs: number;
  endMs: number;
  /** the vehicle whose arrival started it (its zone start nearest before startMs) */
  leader: Vehicle | undefined;
  vehicles: Vehicle[];
  /** the largest ΔL/L they cause together */
  peakShift: number;
  /**
   * seen or told apart by a hair: a peak within NEAR of the threshold, or a split from the one
   * before by a dip below the off threshold shorter than NEAR_MS; a detector may go either way
   */
  marginal: boolean;
}

/** step at which the loop's signal is sampled */
const SIGNAL_STEP_MS = 2;
const NEAR = 1.25;
const NEAR_MS = 40;

/**
 * What a loop can separate at a sensitivity: the lane's noiseless ΔL/L at the loop (the sum over
 * the vehicles on it) through an ideal detector with the given on and off thresholds. Vehicles
 * whose signal never falls below the off threshold between them are one detection (two
 * motorcycles abreast, a truck and its trailer, a close follower); a vehicle whose signal never
 * reaches the on threshold is not seen at all (then it is in no detection).
 */
export function detections(vehicles: readonly Vehicle[], loop: LoopSite, onShift: number, offShift: number): Detection[] {
  const lane = vehicles.filter((v) => v.lane === loop.lane).sort((a, b) => zoneStartMs(a, loop) - zoneStartMs(b, loop));
  const found: Detection[] = [];
  for (let i = 0; i < lane.length;) {
    // a cluster of overlapping zones: between clusters the loop is empty
    const cluster = [lane[i] as Vehicle];
    let endMs = zoneEndMs(lane[i] as Vehicle, loop);
    for (i++; i < lane.length && zoneStartMs(lane[i] as Vehicle, loop) < endMs; i++) {
      cluster.push(lane[i] as Vehicle);
      endMs = Math.max(endMs, zoneEndMs(lane[i] as Vehicle, loop));
    }
    const seen: Detection[] = [];
    let current: Detection | undefined;
    let previousEnd = Number.NEGATIVE_INFINITY;
    let last = 0;
    for (let t = zoneStartMs(cluster[0] as Vehicle, loop); t <= endMs + SIGNAL_STEP_MS; t += SIGNAL_STEP_MS) {
      let shift = 0;
      for (const v of cluster) shift += v.peakShift * coverage(v, loop, t);
      const slope = (shift - last) / SIGNAL_STEP_MS;
      if (current) {
        current.peakShift = Math.max(current.peakShift, shift);
        if (shift < offShift) {
          current.endMs = slope < 0 ? t - SIGNAL_STEP_MS - last / slope : t;
          previousEnd = t;
          current = undefined;
        }
      } else if (shift >= onShift) {
        const startMs = slope > 0 ? t - shift / slope : t;
        current = { startMs, endMs: endMs, leader: undefined, vehicles: [], peakShift: shift, marginal: t - previousEnd < NEAR_MS };
        seen.push(current);
      }
      last = shift;
    }
    // each vehicle belongs to the detection its zone overlaps most; one that overlaps none is unseen
    for (const v of cluster) {
      const from = zoneStartMs(v, loop);
      const to = zoneEndMs(v, loop);
      let best: Detection | undefined;
      let bestMs = 0;
      for (const d of seen) {
        const ms = Math.min(to, d.endMs) - Math.max(from, d.startMs);
        if (ms > bestMs) [best, bestMs] = [d, ms];
      }
      best?.vehicles.push(v);
    }
    found.push(...seen);
  }
  for (const d of found) {
    if (d.peakShift < onShift * NEAR || d.vehicles.length === 0) d.marginal = true;
    let nearest = Number.POSITIVE_INFINITY;
    for (const v of d.vehicles) {
      const before = d.startMs + SIGNAL_STEP_MS - zoneStartMs(v, loop);
      if (before >= 0 && before < nearest) [nearest, d.leader] = [before, v];
    }
  }
  return found;
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
