// Doppler radar physics for the sign: vehicles drive past at known speeds and the simulated
// radar prints what a real one would on its UART, in virtual time. One target at a time (a
// speed sign's radar reports its strongest target), 10-22 reports a second while a vehicle is
// between `rangeM` and `nearM` from the sign. A radar beside the lane sees the radial speed
// v·cos θ (θ grows as the vehicle nears), plus noise; reports drop out singly and in short
// bursts; now and then a line is junk, or is cut short so that it merges with the next one, and
// serial chunks split lines anywhere. All randomness comes from one seeded generator.

import type { SerialPeer, SimPlatform } from "../sim-platform.js";
import { SimRandom } from "../random.js";

export type RadarModel = "ops243" | "ld2415";

export interface VehiclePass {
  /** idle time between the previous vehicle leaving range and this one entering it */
  afterMs: number;
  speedKmh: number;
  /** towards the sign (what it counts) or away from it */
  approaching: boolean;
}

/** what really happened, for a test to compare the firmware with */
export interface VehicleTruth {
  speedKmh: number;
  approaching: boolean;
  enterMs: number;
  /** time of the last report line that reached the firmware intact */
  lastIntactMs: number;
  intactReports: number;
}

export interface RadarSimOptions {
  model: RadarModel;
  /** OPS243 output: JSON lines (`OJ`) or plain numbers */
  format?: "json" | "plain";
  /** OPS243 units: UM m/s (its default) or UK km/h */
  units?: "UM" | "UK";
  seed: number;
  /** uniform noise amplitude on each report, km/h */
  noiseKmh?: number;
  reportPeriodMs?: number;
  rangeM?: number;
  nearM?: number;
  /** sideways distance between the radar and the lane */
  lateralM?: number;
  /** share of reports lost one by one */
  dropout?: number;
  /** chance per report that a burst of up to maxBurst reports is lost */
  burstDropout?: number;
  maxBurst?: number;
  /** chance per report of a junk line before it */
  junk?: number;
  /** chance per report that its line is cut short (the next line then arrives merged with it) */
  truncate?: number;
  /** chance per idle gap of one stray report (a bird, a pedestrian): not a vehicle */
  clutter?: number;
  /** vehicles never follow closer than this, so each is a separate target */
  minIdleMs?: number;
}

interface Active {
  pass: VehiclePass;
  truth: VehicleTruth;
  /** metres per second */
  v: number;
  reportIndex: number;
  reportCount: number;
}

export class RadarSim {
  private readonly rng: SimRandom;
  private readonly o: Required<RadarSimOptions>;
  private readonly peer: SerialPeer;
  private active: Active | undefined;
  private nextEnterMs = 0;
  private dropping = 0;
  /** a line's unsent tail, sent with the next delivery as a slow UART would */
  private carry = "";
  /** the vehicle whose intact line is completed by that tail */
  private carryTruth: VehicleTruth | undefined;
  private spoilNext = false;
  private done: VehicleTruth[] = [];
  /** stray reports emitted (never vehicles) */
  clutterReports = 0;

  constructor(
    private readonly sim: SimPlatform,
    private readonly traffic: () => VehiclePass | undefined,
    options: RadarSimOptions,
  ) {
    const ld = options.model === "ld2415";
    this.o = {
      format: "json", units: "UM", noiseKmh: 0.5, reportPeriodMs: ld ? 45 : 66, rangeM: 100, nearM: 6,
      lateralM: 3, dropout: 0.08, burstDropout: 0.01, maxBurst: 6, junk: 0.005, truncate: 0.005,
      clutter: 0.1, minIdleMs: 2500, ...options,
    };
    this.rng = new SimRandom(options.seed);
    this.peer = sim.serialPeer("radar");
    this.nextEnterMs = sim.timeMs;
    this.scheduleNextVehicle();
  }

  /** vehicles that have left the radar's range since the last call */
  takeFinished(): VehicleTruth[] {
    const out = this.done;
    this.done = [];
    return out;
  }

  private scheduleNextVehicle(): void {
    const pass = this.traffic();
    if (!pass) return;
    const idle = Math.max(this.o.minIdleMs, pass.afterMs);
    const enterMs = this.nextEnterMs + idle;
    if (idle >= 4000 && this.rng.next() < this.o.clutter) {
      this.sim.setTimer(() => this.straySpeck(), enterMs - idle / 2 - this.sim.timeMs);
    }
    this.sim.setTimer(() => this.enter(pass, enterMs), enterMs - this.sim.timeMs);
  }

  private enter(pass: VehiclePass, enterMs: number): void {
    const v = pass.speedKmh / 3.6;
    const travelMs = ((this.o.rangeM - this.o.nearM) / v) * 1000;
    this.active = {
      pass, v, reportIndex: 0,
      reportCount: Math.floor(travelMs / this.o.reportPeriodMs) + 1,
      truth: { speedKmh: pass.speedKmh, approaching: pass.approaching, enterMs, lastIntactMs: -1, intactReports: 0 },
    };
    this.nextEnterMs = enterMs + travelMs;
    this.report();
  }

  private report(): void {
    const a = this.active;
    if (!a) return;
    const t = a.reportIndex * this.o.reportPeriodMs;
    const travelled = (a.v * t) / 1000;
    const along = a.pass.approaching ? this.o.rangeM - travelled : this.o.nearM + travelled;
    const radialKmh = a.pass.speedKmh * (along / Math.hypot(along, this.o.lateralM));
    const measured = radialKmh + this.rng.between(-this.o.noiseKmh, this.o.noiseKmh);
    const remaining = a.reportCount - a.reportIndex - 1;
    this.emit(a.pass.approaching ? measured : -measured, remaining, a.truth);
    a.reportIndex++;
    if (remaining > 0) {
      this.sim.setTimer(() => this.report(), this.o.reportPeriodMs);
    } else {
      if (this.carry) this.deliver("", undefined, false);
      this.active = undefined;
      this.done.push(a.truth);
      this.scheduleNextVehicle();
    }
  }

  /** a stray single report in an idle gap */
  private straySpeck(): void {
    this.clutterReports++;
    this.deliver(this.line(this.rng.between(8, 60)), undefined, false);
  }

  /**
   * One report line, or nothing if it drops out. `remaining` is how many more reports this
   * vehicle gives: the last two are never cut or held back, so the time of a vehicle's last
   * intact line is exactly known.
   */
  private emit(kmh: number, remaining: number, truth: VehicleTruth): void {
    const o = this.o;
    const r = this.rng;
    if (this.dropping > 0 || r.next() < o.dropout) {
      if (this.dropping > 0) this.dropping--;
      return;
    }
    if (r.next() < o.burstDropout) this.dropping = 1 + Math.floor(r.next() * o.maxBurst);
    if (r.next() < o.junk) {
      this.deliver(junkLine(r), undefined, false);
      this.spoilNext = false;
    }
    let text = this.line(kmh);
    const intact = !this.spoilNext;
    this.spoilNext = false;
    const late = remaining > 2;
    if (late && r.next() < o.truncate) {
      text = text.slice(0, 1 + Math.floor(r.next() * (text.length - 3)));
      this.spoilNext = true;
    }
    const complete = intact && !this.spoilNext;
    if (complete) truth.intactReports++;
    this.deliver(text, complete ? truth : undefined, late);
  }

  private line(kmh: number): string {
    if (this.o.model === "ld2415") {
      const abs = Math.min(999.9, Math.abs(kmh)).toFixed(1);
      return `V${kmh < 0 ? "-" : "+"}${"000".slice(0, Math.max(0, 5 - abs.length))}${abs}\r\n`;
    }
    const value = this.o.units === "UK" ? kmh.toFixed(1) : (kmh / 3.6).toFixed(2);
    if (this.o.format === "plain") return `${value}\n`;
    const direction = kmh < 0 ? "outbound" : "inbound";
    const ms = this.sim.timeMs;
    return `{"speed":${value},"direction":"${direction}","time":${Math.floor(ms / 1000)},"tick":${ms % 100000}}\n`;
  }

  /**
   * Sends text in one or two chunks; when allowed, its tail waits for the next delivery as on a
   * slow UART. `intactOf` is the vehicle whose intact report this line is: its truth is stamped
   * when the line's end actually reaches the firmware.
   */
  private deliver(text: string, intactOf: VehicleTruth | undefined, mayHoldTail: boolean): void {
    let all = this.carry + text;
    const finishing = this.carryTruth;
    this.carry = "";
    this.carryTruth = undefined;
    if (mayHoldTail && text.length > 1 && this.rng.next() < 0.2) {
      const cut = all.length - text.length + 1 + Math.floor(this.rng.next() * (text.length - 1));
      this.carry = all.slice(cut);
      this.carryTruth = intactOf;
      all = all.slice(0, cut);
    } else if (intactOf) {
      intactOf.lastIntactMs = this.sim.timeMs;
    }
    if (finishing) finishing.lastIntactMs = this.sim.timeMs;
    const cut = Math.floor(this.rng.next() * all.length);
    if (cut > 0) this.peer.deliver(asciiBytes(all.slice(0, cut)));
    if (cut < all.length) this.peer.deliver(asciiBytes(all.slice(cut)));
  }
}

function junkLine(r: SimRandom): string {
  let s = "";
  const n = 1 + Math.floor(r.next() * 20);
  for (let i = 0; i < n; i++) {
    const c = 0x20 + Math.floor(r.next() * 0x5f);
    s += String.fromCharCode(c);
  }
  return `${s}\r\n`;
}

function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

export interface TrafficOptions {
  seed: number;
  meanIdleMs: number;
  meanSpeedKmh: number;
  sdSpeedKmh: number;
  /** share of vehicles driving away from the sign */
  outbound: number;
  minSpeedKmh?: number;
  maxSpeedKmh?: number;
  /** stop after this many vehicles (unbounded when absent) */
  count?: number;
}

/** Random traffic: exponential idle gaps, normally distributed speeds. */
export function randomTraffic(options: TrafficOptions): () => VehiclePass | undefined {
  const r = new SimRandom(options.seed);
  const lo = options.minSpeedKmh ?? 15;
  const hi = options.maxSpeedKmh ?? 140;
  let produced = 0;
  return () => {
    if (options.count !== undefined && produced >= options.count) return undefined;
    produced++;
    const speed = options.meanSpeedKmh + options.sdSpeedKmh * r.normal();
    return {
      afterMs: -Math.log(Math.max(r.next(), 1e-9)) * options.meanIdleMs,
      speedKmh: Math.round(Math.min(hi, Math.max(lo, speed)) * 10) / 10,
      approaching: r.next() >= options.outbound,
    };
  };
}

/** A fixed list of vehicles, in order. */
export function scriptedTraffic(passes: readonly VehiclePass[]): () => VehiclePass | undefined {
  let i = 0;
  return () => passes[i++];
}
