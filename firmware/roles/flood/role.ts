// The water-level station. Each measurement is a burst (default 5 readings 150 ms apart) from a
// MaxBotix ranger on serial port "ranger" (powered through digital pin "rangerPower" only for
// the burst) or from a pressure transducer on analog input "pressure"; optionally the air
// temperature from a TMP36 on analog input "temperature". The burst's median becomes a level,
// checked by the blip filter, and then a report: every reportIntervalS, every fastIntervalS at
// alert or above or while rising fast, and a floodAlarm at once when the status changes.

import { Fault } from "../../../shared/messages.js";
import { flood } from "../../../shared/roles/flood.js";
import type { AnalogIn, DigitalOut, SerialPort, TimerHandle } from "../../platform/platform.js";
import type { Role, RoleContext, RoleFactory, Settings } from "../role.js";
import { readFloodConfig, type FloodConfig } from "./config.js";
import { changeSetting } from "../settings-reader.js";
import { BlipFilter, BurstMedian, Verdict } from "./filter.js";
import { compensatedDistanceMm, FloodStatusMachine, RiseRate } from "./level.js";
import { Maxbotix, MAXBOTIX_BAUD } from "./maxbotix.js";
import { pressureDepthMm } from "./pressure.js";
import { tmp36Dc } from "./temperature.js";

const I16 = 0x7fff;
const MM_LIMIT = 20000;

export interface FloodRole extends Role {
  /** the last accepted level, NaN before the first */
  readonly levelMm: number;
  readonly status: number;
  /** measurements dropped as blips */
  readonly blips: number;
  readonly ranger: { frames: number; errors: number };
}

/** what one burst gave */
interface Burst {
  /** valid samples */
  samples: number;
  /** samples taken, valid or not */
  taken: number;
  /** a reading arrived but was out of the sensor's range */
  outOfRange: boolean;
}

class Flood implements FloodRole {
  private settings: Settings;
  private config: FloodConfig;
  /** provisioned keys that were unusable at boot */
  private invalid: string[];
  private readonly burstValues: BurstMedian;
  private readonly filter: BlipFilter;
  private readonly rise: RiseRate;
  private readonly machine: FloodStatusMachine;
  private readonly parser = new Maxbotix((mm) => this.rangerReading(mm));
  private port: SerialPort | undefined;
  private power: DigitalOut | undefined;
  private pressureIn: AnalogIn | undefined;
  private tempIn: AnalogIn | undefined;
  private measureTimer: TimerHandle | undefined;
  private sampleTimer: TimerHandle | undefined;
  private latestMm = 0;
  private fresh = false;
  private readonly burst: Burst = { samples: 0, taken: 0, outOfRange: false };
  private burstStartMs = 0;
  private lastRise = 0;
  private faults = 0;

  constructor(private readonly ctx: RoleContext) {
    this.settings = ctx.settings;
    const { config, invalid } = readFloodConfig(ctx.settings);
    this.invalid = invalid;
    for (const key of invalid) ctx.platform.trace(`flood: setting ${key} is invalid, using a default`);
    this.config = config;
    this.burstValues = new BurstMedian(config.burstSamples);
    this.filter = new BlipFilter(config.blipMm);
    this.rise = new RiseRate(config.riseWindowS);
    this.machine = new FloodStatusMachine(config.thresholds);
  }

  get levelMm(): number {
    return this.filter.level;
  }

  get status(): number {
    return this.machine.status;
  }

  get blips(): number {
    return this.filter.blips;
  }

  get ranger(): { frames: number; errors: number } {
    return { frames: this.parser.frames, errors: this.parser.errors };
  }

  start(): void {
    const { platform } = this.ctx;
    const c = this.config;
    if (c.sensorType === "maxbotix") {
      this.port = platform.serial({ port: "ranger", baud: MAXBOTIX_BAUD, onReceive: (bytes) => this.parser.push(bytes) });
      this.power = platform.digitalOut("rangerPower");
      this.power.write(0);
    } else {
      this.pressureIn = platform.analogIn("pressure");
    }
    if (c.tempSensor === "tmp36") this.tempIn = platform.analogIn("temperature");
    this.schedule(1000);
  }

  stop(): void {
    const { platform } = this.ctx;
    if (this.measureTimer) platform.clearTimer(this.measureTimer);
    if (this.sampleTimer) platform.clearTimer(this.sampleTimer);
    this.measureTimer = undefined;
    this.sampleTimer = undefined;
    this.power?.write(0);
    this.port?.close();
    this.pressureIn?.close();
    this.tempIn?.close();
    this.port = undefined;
    this.power = undefined;
    this.pressureIn = undefined;
    this.tempIn = undefined;
  }

  applySetting(key: string, value: number | string | boolean): boolean {
    const change = changeSetting(flood.settings, { settings: this.settings, invalid: this.invalid }, key, value, readFloodConfig);
    if (!change) return false;
    const { config } = change;
    this.settings = change.settings;
    this.invalid = change.invalid;
    this.config = config;
    this.machine.setThresholds(config.thresholds);
    this.filter.setMinJump(config.blipMm);
    this.rise.setWindow(config.riseWindowS);
    return true;
  }

  private schedule(delayMs: number): void {
    this.measureTimer = this.ctx.platform.setTimer(() => this.measure(), Math.max(0, delayMs));
  }

  private measure(): void {
    const c = this.config;
    this.measureTimer = undefined;
    this.burstStartMs = this.ctx.platform.uptimeMs();
    this.burst.samples = 0;
    this.burst.taken = 0;
    this.burst.outOfRange = false;
    this.burstValues.clear();
    this.fresh = false;
    this.power?.write(1);
    this.sampleTimer = this.ctx.platform.setTimer(() => this.sample(), c.warmupMs, c.burstSpacingMs);
  }

  private rangerReading(mm: number): void {
    this.latestMm = mm;
    this.fresh = true;
  }

  private sample(): void {
    const c = this.config;
    const b = this.burst;
    b.taken++;
    if (this.pressureIn) {
      const depth = pressureDepthMm(this.pressureIn.read(), c.pressure);
      if (Number.isNaN(depth)) b.outOfRange = true;
      else this.burstValues.add(depth);
    } else if (this.fresh) {
      this.fresh = false;
      if (this.latestMm <= c.rangerMinMm || this.latestMm >= c.rangerMaxMm) b.outOfRange = true;
      else this.burstValues.add(this.latestMm);
    }
    if (b.taken < c.burstSamples) return;
    if (this.sampleTimer) this.ctx.platform.clearTimer(this.sampleTimer);
    this.sampleTimer = undefined;
    this.power?.write(0);
    b.samples = this.burstValues.count;
    this.finish();
  }

  private finish(): void {
    const c = this.config;
    const b = this.burst;
    this.setFault(Fault.sensorTimeout, b.samples === 0 && !b.outOfRange);
    this.setFault(Fault.sensorRange, b.samples === 0 && b.outOfRange);
    if (b.samples === 0) return this.scheduleNext(false);
    const airDc = this.tempIn ? tmp36Dc(this.tempIn.read(), c.tempFullScaleMv) : NaN;
    const median = this.burstValues.median();
    const levelMm = Math.round(this.pressureIn
      ? c.pressureOffsetMm + median
      : c.referenceMm - compensatedDistanceMm(median, airDc, c.rangerAssumedC));
    if (this.filter.offer(levelMm) === Verdict.suspect) return this.scheduleNext(true);
    this.publish(levelMm, airDc, b.samples);
    this.scheduleNext(false);
  }

  /** distance is reference − level for either sensor, so the gateway sees one relation */
  private publish(levelMm: number, airDc: number, samples: number): void {
    const c = this.config;
    const nowS = this.ctx.platform.uptimeMs() / 1000;
    this.rise.add(nowS, levelMm);
    const riseMmPerH = clamp(Math.round(this.rise.mmPerHour(nowS)), -I16, I16);
    const level = clamp(levelMm, -MM_LIMIT, MM_LIMIT);
    const change = this.machine.update(levelMm);
    if (change) this.ctx.send("floodAlarm", { ...change, levelMm: level, riseMmPerH });
    this.ctx.send("floodReport", {
      distanceMm: clamp(c.referenceMm - levelMm, 0, MM_LIMIT),
      levelMm: level,
      riseMmPerH,
      status: this.machine.status,
      referenceMm: c.referenceMm,
      ...(Number.isNaN(airDc) ? {} : { temperatureDc: clamp(airDc, -400, 850) }),
      samples,
    });
    this.lastRise = riseMmPerH;
  }

  /** the next burst: soon to confirm a suspect jump, else at the interval the water calls for */
  private scheduleNext(confirm: boolean): void {
    const c = this.config;
    const fast = this.machine.status > 0 || this.lastRise >= c.fastRiseMmPerH;
    const intervalS = confirm ? c.confirmDelayS : fast ? c.fastIntervalS : c.reportIntervalS;
    const elapsed = this.ctx.platform.uptimeMs() - this.burstStartMs;
    this.schedule(intervalS * 1000 - elapsed);
  }

  private setFault(bit: number, on: boolean): void {
    const faults = on ? this.faults | bit : this.faults & ~bit;
    if (faults === this.faults) return;
    this.faults = faults;
    this.ctx.setFaults(faults);
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}

export function createFloodRole(ctx: RoleContext): FloodRole {
  return new Flood(ctx);
}

export const floodRole: RoleFactory = createFloodRole;
