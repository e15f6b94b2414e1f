// The radar speed-feedback sign: radar reports -> tracker (one vehicle, one count) -> display
// and per-interval statistics. Serial ports: "radar" (the radar's UART) and "display" (the LED
// board, see display.ts).

import { Fault } from "../../../shared/messages.js";
import { sign } from "../../../shared/roles/sign.js";
import type { SerialPort, TimerHandle } from "../../platform/platform.js";
import type { Role, RoleContext, RoleFactory, RoleTestResult, Settings } from "../role.js";
import { fitsAir } from "./air-size.js";
import { readSignConfig, type SignConfig } from "./config.js";
import { DisplayController, readTestAnswer, type DisplayState } from "./display.js";
import { Ld2415 } from "./ld2415.js";
import { LineReader } from "./line-reader.js";
import { Ops243 } from "./ops243.js";
import type { RadarCounters, RadarDriver } from "./radar.js";
import { changeSetting } from "../settings-reader.js";
import { SpeedStats } from "./stats.js";
import { Tracker } from "./tracker.js";

/** how often the sign looks for a vehicle that has left and for a silent radar */
const TICK_MS = 250;
const DISPLAY_BAUD = 9600;
/** the board cycles its test pattern in well under this */
const DISPLAY_TEST_TIMEOUT_MS = 3000;
const DISPLAY_LINE = 16;

export interface SignRole extends Role {
  /** what the display shows now */
  readonly display: Readonly<DisplayState>;
  readonly radar: RadarCounters;
  /** radar runs dropped as clutter */
  readonly blips: number;
}

class Sign implements SignRole {
  private settings: Settings;
  private config: SignConfig;
  /** provisioned keys that were unusable at boot */
  private invalid: string[];
  private readonly stats = new SpeedStats();
  private readonly tracker: Tracker;
  private readonly screen: DisplayController;
  private driver: RadarDriver | undefined;
  private radarPort: SerialPort | undefined;
  private displayPort: SerialPort | undefined;
  private timers: TimerHandle[] = [];
  private flushTimer: TimerHandle | undefined;
  /** length of the interval being counted; a new statsIntervalS takes over when it closes */
  private intervalS = 0;
  private lastByteMs = 0;
  private faults = 0;
  /** the display test under way: its answer, and the timer that gives up on the board */
  private testing: { done: (result: RoleTestResult) => void; timer: TimerHandle } | undefined;
  private readonly displayLines = new LineReader((line, length) => this.displayLine(line, length), DISPLAY_LINE);

  constructor(private readonly ctx: RoleContext) {
    this.settings = ctx.settings;
    const { config, invalid } = readSignConfig(ctx.settings);
    this.invalid = invalid;
    for (const key of invalid) ctx.platform.trace(`sign: setting ${key} is invalid, using a default`);
    this.config = config;
    this.tracker = new Tracker(config.tracker, (speedDkmh) => this.vehicle(speedDkmh));
    this.screen = new DisplayController((bytes) => this.displayPort?.write(bytes), config.display);
  }

  get display(): Readonly<DisplayState> {
    return this.screen.current;
  }

  get radar(): RadarCounters {
    return this.driver?.counters ?? { reports: 0, errors: 0, ignored: 0 };
  }

  get blips(): number {
    return this.tracker.blips;
  }

  start(): void {
    const { platform } = this.ctx;
    const c = this.config;
    const onReport = (speedDkmh: number) => this.report(speedDkmh);
    const driver = c.radarModel === "ld2415" ? new Ld2415(onReport, c.radarInvert) : new Ops243(c.radarUnits, onReport, c.radarInvert);
    this.driver = driver;
    this.lastByteMs = platform.uptimeMs();
    this.radarPort = platform.serial({
      port: "radar",
      baud: c.radarBaud,
      onReceive: (bytes) => {
        this.lastByteMs = platform.uptimeMs();
        driver.push(bytes);
      },
    });
    this.displayPort = platform.serial({ port: "display", baud: DISPLAY_BAUD, onReceive: (bytes) => this.displayLines.push(bytes) });
    this.screen.show(0);
    this.timers = [platform.setTimer(() => this.tick(), TICK_MS, TICK_MS)];
    this.armFlush();
  }

  stop(): void {
    for (const t of this.timers) this.ctx.platform.clearTimer(t);
    this.timers = [];
    if (this.flushTimer) this.ctx.platform.clearTimer(this.flushTimer);
    this.flushTimer = undefined;
    this.endTest({ pass: false, found: "the sign stopped during the test" });
    this.radarPort?.close();
    this.displayPort?.close();
    this.radarPort = undefined;
    this.displayPort = undefined;
  }

  applySetting(key: string, value: number | string | boolean): boolean {
    const change = changeSetting(sign.settings, { settings: this.settings, invalid: this.invalid }, key, value, readSignConfig);
    if (!change) return false;
    const { config } = change;
    this.settings = change.settings;
    this.invalid = change.invalid;
    this.config.display = config.display;
    this.config.statsIntervalS = config.statsIntervalS;
    this.screen.reconfigure(config.display);
    this.refreshDisplay();
    return true;
  }

  runTest(name: string, done: (result: RoleTestResult) => void): void {
    if (name !== "display") done({ pass: false, found: `the sign has no test named ${name}` });
    else if (!this.displayPort) done({ pass: false, found: "the display port is not open" });
    else if (this.testing) done({ pass: false, found: "a display test is already running" });
    else {
      const timer = this.ctx.platform.setTimer(() => this.endTest({
        pass: false, found: `the display board did not answer its test within ${DISPLAY_TEST_TIMEOUT_MS / 1000} s: check its cable and power`,
      }), DISPLAY_TEST_TIMEOUT_MS);
      this.testing = { done, timer };
      this.displayLines.reset();
      this.screen.test();
    }
  }

  private displayLine(line: Uint8Array, length: number): void {
    const result = this.testing && readTestAnswer(line, length);
    if (result) this.endTest(result);
  }

  private endTest(result: RoleTestResult): void {
    const testing = this.testing;
    if (!testing) return;
    this.testing = undefined;
    this.ctx.platform.clearTimer(testing.timer);
    this.refreshDisplay();
    testing.done(result);
  }

  private report(speedDkmh: number): void {
    this.tracker.report(this.ctx.platform.uptimeMs(), speedDkmh);
    this.refreshDisplay();
  }

  private tick(): void {
    const now = this.ctx.platform.uptimeMs();
    this.tracker.expire(now);
    this.refreshDisplay();
    const silentMs = this.config.radarSilentS * 1000;
    this.setFault(Fault.radarSilent, silentMs > 0 && now - this.lastByteMs >= silentMs);
  }

  private refreshDisplay(): void {
    // the board shows its test pattern until it answers
    if (this.testing) return;
    this.screen.show(this.tracker.confirmed ? this.tracker.speedDkmh : 0);
  }

  private vehicle(speedDkmh: number): void {
    this.stats.add(speedDkmh, speedDkmh > this.config.display.limitKmh * 10);
  }

  /** closes the interval: a vehicle whose gap has passed by now belongs to it */
  private flush(): void {
    this.tracker.expire(this.ctx.platform.uptimeMs());
    const intervalS = this.intervalS;
    this.ctx.send("signStats", this.stats.summary(intervalS, this.config.display.limitKmh));
    for (const body of this.stats.histogram(intervalS, (b) => fitsAir("signHistogram", b))) {
      this.ctx.send("signHistogram", body);
    }
    this.stats.reset();
    if (this.config.statsIntervalS !== intervalS) this.armFlush();
  }

  private armFlush(): void {
    const platform = this.ctx.platform;
    if (this.flushTimer) platform.clearTimer(this.flushTimer);
    this.intervalS = this.config.statsIntervalS;
    const intervalMs = this.intervalS * 1000;
    this.flushTimer = platform.setTimer(() => this.flush(), intervalMs, intervalMs);
  }

  private setFault(bit: number, on: boolean): void {
    const faults = on ? this.faults | bit : this.faults & ~bit;
    if (faults === this.faults) return;
    this.faults = faults;
    this.ctx.setFaults(faults);
  }
}

export function createSignRole(ctx: RoleContext): SignRole {
  return new Sign(ctx);
}

export const signRole: RoleFactory = createSignRole;
