import { LoopTraffic, mergeTraffic, randomTraffic as loopTraffic, type LoopSite, type TrafficProfile } from "../../firmware/sim/physics/loop-traffic.js";
import { RadarSim, randomTraffic as radarTraffic } from "../../firmware/sim/physics/radar.js";
import { attachPressure, dailyTemperature, floodWave, attachTmp36, MaxbotixSim } from "../../firmware/sim/physics/water.js";
import type { SimPlatform } from "../../firmware/sim/sim-platform.js";

const MINUTE = 60_000;
const SPACING_M = 3.66;

/** Two lanes, each a speed trap of two 1.8 m loops tuned to different frequencies. */
const LOOPS: LoopSite[] = [
  { input: "loop0", lane: 0, positionM: 0, lengthM: 1.8, inductanceUH: 100, capacitanceNF: 21 },
  { input: "loop1", lane: 0, positionM: SPACING_M, lengthM: 1.8, inductanceUH: 90, capacitanceNF: 20 },
  { input: "loop2", lane: 1, positionM: 0, lengthM: 1.8, inductanceUH: 120, capacitanceNF: 23 },
  { input: "loop3", lane: 1, positionM: SPACING_M, lengthM: 1.8, inductanceUH: 110, capacitanceNF: 22 },
];

/** An urban arterial in Semarang: many motorcycles, cars, some trucks and buses. */
function arterial(lane: number, flowPerHour: number, meanKmh: number): TrafficProfile {
  return {
    lane, flowPerHour,
    mix: { motorcycle: 4, car: 6, van: 1.5, truck: 0.7, bus: 0.3, semi: 0.2 },
    speedKmh: { mean: meanKmh, sd: 7, min: 15, max: 80 },
    extentM: SPACING_M + 1.8,
    minGapS: 0.8,
  };
}

export function attachLoopTraffic(sim: SimPlatform, seed: number): void {
  const traffic = mergeTraffic([loopTraffic(seed, arterial(0, 900, 42)), loopTraffic(seed + 1, arterial(1, 700, 48))]);
  new LoopTraffic(LOOPS, traffic, { drift: { ratePerHour: -0.0005, amplitude: 0.002 }, seed }).attach(sim);
}

export function attachRadar(sim: SimPlatform, seed: number): void {
  radarWithTraffic(sim, seed);
}

/** The sign's radar and traffic; the radar keeps each vehicle's truth until takeFinished(). */
export function radarWithTraffic(sim: SimPlatform, seed: number): RadarSim {
  const traffic = radarTraffic({ seed, meanIdleMs: 6000, meanSpeedKmh: 41, sdSpeedKmh: 8, outbound: 0.2 });
  return new RadarSim(sim, traffic, { model: "ld2415", seed, noiseKmh: 0.5, dropout: 0.05, junk: 0.01 });
}

/** A flood wave that crosses alert about 5 minutes in and danger about 9, then falls back. */
export function attachRanger(sim: SimPlatform, seed: number, heightMm: number): void {
  const level = floodWave({ baseMm: 900, peakMm: 2800, startMs: MINUTE, riseMs: 12 * MINUTE, fallMs: 25 * MINUTE });
  const temperatureC = dailyTemperature(29, 4);
  attachTmp36(sim, temperatureC);
  new MaxbotixSim(sim, { seed, heightMm, level, temperatureC });
}

/** A slower rise on a wider channel, read by a pressure transducer. */
export function attachPressureGauge(sim: SimPlatform, seed: number): void {
  const level = floodWave({ baseMm: 1400, peakMm: 2300, startMs: 2 * MINUTE, riseMs: 20 * MINUTE, fallMs: 40 * MINUTE });
  attachPressure(sim, { seed, level });
}
