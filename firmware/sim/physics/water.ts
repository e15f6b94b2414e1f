// Water physics for the flood station, in virtual time: a hydrograph (the true level), the air
// temperature, and the sensors that see them. The MaxBotix ranger free-runs while its power pin
// is high, printing `R` + 4 digits of mm + CR every 150 ms: the distance it computes with the
// speed of sound at the temperature it assumes (20 °C), plus noise, about 1 % wild readings, and
// something passing under it for a few seconds now and then. The pressure transducer is an
// analog voltage. All randomness comes from one seeded generator per sensor.

import type { SerialPeer, SimPlatform } from "../sim-platform.js";
import { SimRandom } from "../random.js";

/** true water level above the datum, mm, at a virtual time */
export type Hydrograph = (tMs: number) => number;
export type Weather = (tMs: number) => number;

const HOUR_MS = 3600_000;

export interface FloodWave {
  baseMm: number;
  peakMm: number;
  startMs: number;
  riseMs: number;
  fallMs: number;
}

/** base flow, a smooth rise to the peak, a slower fall back (half-cosine limbs) */
export function floodWave(w: FloodWave): Hydrograph {
  const span = w.peakMm - w.baseMm;
  return (t) => {
    const since = t - w.startMs;
    if (since <= 0 || since >= w.riseMs + w.fallMs) return w.baseMm;
    const phase = since < w.riseMs ? since / w.riseMs : 1 - (since - w.riseMs) / w.fallMs;
    return w.baseMm + span * (1 - Math.cos(Math.PI * phase)) / 2;
  };
}

/** a level that hovers around `centerMm`: a slow swell of ±amplitude plus a faster ripple */
export function hovering(centerMm: number, amplitudeMm: number, periodMs: number): Hydrograph {
  return (t) => centerMm + amplitudeMm * Math.sin((2 * Math.PI * t) / periodMs) + (amplitudeMm / 3) * Math.sin((2 * Math.PI * t) / 97_000);
}

/** pieces of hydrograph one after the other: [untilMs, hydrograph] */
export function sequence(pieces: readonly [number, Hydrograph][]): Hydrograph {
  return (t) => {
    for (const [until, h] of pieces) if (t < until) return h(t);
    const last = pieces[pieces.length - 1];
    return last ? last[1](t) : 0;
  };
}

/** a tropical day: coolest before dawn, warmest mid-afternoon */
export function dailyTemperature(meanC: number, swingC: number): Weather {
  return (t) => meanC + (swingC / 2) * Math.sin((2 * Math.PI * (t / HOUR_MS - 9)) / 24);
}

function soundSpeed(tC: number): number {
  return 331.3 + 0.606 * tC;
}

export interface RangerSimOptions {
  seed: number;
  /** sensor height above the datum, mm */
  heightMm: number;
  level: Hydrograph;
  temperatureC?: Weather;
  /** what the ranger assumes when it turns echo time into mm */
  assumedC?: number;
  /** Gaussian noise, mm (one sigma) */
  noiseMm?: number;
  /** share of wild readings */
  spikes?: number;
  /** mean number per hour of something passing under the sensor for a few seconds */
  obstructionsPerHour?: number;
  periodMs?: number;
  powerPin?: string;
  minMm?: number;
  maxMm?: number;
}

export class MaxbotixSim {
  private readonly rng: SimRandom;
  private readonly o: Required<RangerSimOptions>;
  private readonly peer: SerialPeer;
  private obstructedUntil = -1;
  private obstructionMm = 0;
  /** readings printed, wild ones, and obstruction events */
  readings = 0;
  wild = 0;
  obstructions = 0;

  constructor(private readonly sim: SimPlatform, options: RangerSimOptions) {
    this.o = {
      temperatureC: () => 20, assumedC: 20, noiseMm: 1.5, spikes: 0.01, obstructionsPerHour: 0,
      periodMs: 150, powerPin: "rangerPower", minMm: 300, maxMm: 5000, ...options,
    };
    this.rng = new SimRandom(options.seed);
    this.peer = sim.serialPeer("ranger");
    // an odd phase keeps readings off the firmware's sample instants
    sim.setTimer(() => this.tick(), 73, this.o.periodMs);
  }

  /** the true distance from the sensor to the water, mm */
  trueDistanceMm(tMs: number): number {
    return this.o.heightMm - this.o.level(tMs);
  }

  private tick(): void {
    this.maybeObstruct();
    if (this.sim.outputs.get(this.o.powerPin) !== 1) return;
    this.readings++;
    const mm = Math.round(Math.min(this.o.maxMm, Math.max(this.o.minMm, this.reading())));
    const text = `R${String(mm).padStart(4, "0")}\r`;
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    this.peer.deliver(bytes);
  }

  /** things pass under the sensor whether or not it is powered: 1-8 s each */
  private maybeObstruct(): void {
    const now = this.sim.timeMs;
    const o = this.o;
    if (o.obstructionsPerHour <= 0 || now <= this.obstructedUntil) return;
    if (this.rng.next() >= (o.obstructionsPerHour * o.periodMs) / HOUR_MS) return;
    this.obstructions++;
    this.obstructedUntil = now + this.rng.between(1000, 8000);
    this.obstructionMm = this.rng.between(o.minMm + 100, this.trueDistanceMm(now) - 300);
  }

  private reading(): number {
    const now = this.sim.timeMs;
    const r = this.rng;
    const o = this.o;
    if (now <= this.obstructedUntil) return this.obstructionMm + r.normal() * o.noiseMm;
    if (r.next() < o.spikes) {
      this.wild++;
      return r.next() < 0.5 ? r.between(o.minMm, o.maxMm) : o.maxMm;
    }
    const echo = this.trueDistanceMm(now) * (soundSpeed(o.assumedC) / soundSpeed(o.temperatureC(now)));
    return echo + r.normal() * o.noiseMm;
  }
}

/** a TMP36 on analog input "temperature" (500 mV at 0 °C, 10 mV/°C) read against fullScaleMv */
export function attachTmp36(sim: SimPlatform, temperatureC: Weather, fullScaleMv = 3300): void {
  sim.setAnalogSource("temperature", (t) => (500 + 10 * temperatureC(t)) / fullScaleMv);
}

export interface PressureSimOptions {
  seed: number;
  level: Hydrograph;
  /** height of the pressure port above the datum, mm */
  offsetMm?: number;
  zeroMv?: number;
  spanMv?: number;
  rangeMm?: number;
  fullScaleMv?: number;
  /** noise in mm of water (one sigma): turbulence and electrical */
  noiseMm?: number;
  spikes?: number;
}

/** a 0.5-4.5 V pressure transducer on analog input "pressure" */
export function attachPressure(sim: SimPlatform, options: PressureSimOptions): void {
  const o = { offsetMm: 0, zeroMv: 500, spanMv: 4000, rangeMm: 5000, fullScaleMv: 5000, noiseMm: 1.5, spikes: 0.01, ...options };
  const r = new SimRandom(o.seed);
  sim.setAnalogSource("pressure", (t) => {
    let depth = Math.max(0, o.level(t) - o.offsetMm) + r.normal() * o.noiseMm;
    if (r.next() < o.spikes) depth = r.between(0, o.rangeMm);
    return (o.zeroMv + (depth / o.rangeMm) * o.spanMv) / o.fullScaleMv;
  });
}
