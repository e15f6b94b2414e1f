// The loop role: an inductive-loop vehicle detector for 1–4 loops, each measured by a cycle timer
// (reciprocal counting, see platform.ts CycleTimer and detector.ts).
//
// Settings: declared with their defaults, ranges and units in shared/roles/loop.ts; the lanes
// string pairs loops into speed traps (two loops with the same digit, the lower index upstream;
// by default "00" for 2 loops, "001" for 3, "0011" for 4) and a lone loop is a single-loop lane;
// laneSensitivity sets a lane's own sensitivity, held at 0.04 % against crosstalk where its loops
// lie closer than 5 % in frequency to another loop of the station (crosstalk.ts).
// Settings that do not parse are refused by applySetting; provisioned ones that do not parse
// make the role start on the defaults (with a trace). A change rebuilds the role: it re-tunes
// (about 1 s blind) and the interval in progress starts over.
// The presence window is derived per loop at tuning from the noise the loop shows then (see
// detector.ts): one gate on a sound loop at every sensitivity; a trace reports it.
//
// Time base: a read's frequency comes from the cycle timer's own clock (cycles over the span
// between stamped edges), so it does not depend on when the gate timer fires; vehicle edges are
// placed on the platform's uptime.
//
// Every interval each lane sends one loopInterval record: volume, occupancy (‰), mean speed
// (km/h), mean length (dm), class counts and mean headway (0.1 s). Loop faults (open, shorted,
// stuck presence, chatter) go to the status frame through ctx.setFaults; events that come and
// go (stuck presence, chatter) are held for one status period (the core's statusS) so it sees them.

import { LoopDetector, type DetectorListener } from "./detector.js";
import { IntervalAggregator } from "./interval.js";
import type { Lane } from "./lane.js";
import { crosstalkHold } from "./crosstalk.js";
import { parseLoopSettings, type LaneConfig, type LoopConfig } from "./settings.js";
import { SingleLoopLane } from "./single-loop.js";
import { SpeedTrap } from "./speed-trap.js";
import type { CycleTimer, TimerHandle } from "../../platform/platform.js";
import type { Role, RoleContext, RoleFactory } from "../role.js";

/** minimum wait after an interval's end before its record is closed, for late trailing edges */
const SETTLE_MS = 1000;
/**
 * longest wait, as a share of the interval, for vehicles that arrived before its end to be
 * measured: a vehicle halted in the trap in a queue gets its speed only when it moves on (a
 * truck standing 40 s on the lead loop, a motorcycle halted between the loops); one still in the
 * trap then is given up and counted without a speed
 */
const MAX_SETTLE_SHARE = 0.5;
/** the core's status period when the settings do not say: fault events are held this long */
const DEFAULT_STATUS_S = 300;

class LoopRole implements Role, DetectorListener {
  private settings: Record<string, number | string | boolean>;
  private config: LoopConfig | undefined;
  private counters: CycleTimer[] = [];
  private detectors: LoopDetector[] = [];
  private lanes: Lane[] = [];
  /** the lane of each loop */
  private laneOf: Lane[] = [];
  private timer: TimerHandle | undefined;
  private settleMs = SETTLE_MS;
  private reported = -1;
  private held = 0;
  private heldUntilMs = 0;
  private readonly holdMs: number;

  constructor(private readonly ctx: RoleContext) {
    this.settings = { ...ctx.settings };
    const statusS = ctx.settings["statusS"];
    this.holdMs = (typeof statusS === "number" && statusS > 0 ? statusS : DEFAULT_STATUS_S) * 1000;
  }

  start(): void {
    const parsed = parseLoopSettings(this.settings);
    if (!parsed.ok) {
      this.ctx.platform.trace(`loop: ${parsed.reason}; using defaults`);
      this.settings = {};
    }
    const config = parsed.ok ? parsed.config : (parseLoopSettings({}) as { ok: true; config: LoopConfig }).config;
    this.config = config;
    this.settleMs = SETTLE_MS;
    this.build(config);
    this.timer = this.ctx.platform.setTimer(() => this.gate(), config.gateMs, config.gateMs);
  }

  stop(): void {
    if (this.timer) this.ctx.platform.clearTimer(this.timer);
    this.timer = undefined;
    for (const counter of this.counters) counter.close();
    this.counters = [];
    this.detectors = [];
    this.lanes = [];
    this.laneOf = [];
  }

  /** Any key of the role is applied by rebuilding it; a value that does not parse is refused. */
  applySetting(key: string, value: number | string | boolean): boolean {
    const next = { ...this.settings, [key]: value };
    if (!parseLoopSettings(next).ok) return false;
    this.settings = next;
    if (this.timer) {
      this.stop();
      this.start();
    }
    return true;
  }

  private build(config: LoopConfig): void {
    const platform = this.ctx.platform;
    const now = platform.uptimeMs();
    for (let i = 0; i < config.loops; i++) {
      const timer = platform.cycleTimer(`loop${i}`);
      const lane = config.lanes.find((l) => l.loops.includes(i)) as LaneConfig;
      this.counters.push(timer);
      this.detectors.push(new LoopDetector(i, { ...config, sensitivity: lane.sensitivity }, this, now, timer.tickMs));
    }
    const classCount = config.classEdgesM.length + 1;
    for (const lane of config.lanes) {
      const [lead, trail] = lane.loops as [number, number | undefined];
      const options = { lane: lane.lane, intervalS: config.intervalS, classCount };
      let logic: Lane;
      if (trail === undefined) {
        const aggregator = new IntervalAggregator({ ...options, gFactorM: config.meanLengthM + config.loopLengthM }, now);
        logic = new SingleLoopLane(aggregator, lead, config);
      } else {
        logic = new SpeedTrap(new IntervalAggregator(options, now), lead, trail, { ...config, sensitivity: lane.sensitivity });
      }
      this.lanes.push(logic);
      for (const loop of lane.loops) this.laneOf[loop] = logic;
    }
  }

  private gate(): void {
    const now = this.ctx.platform.uptimeMs();
    for (let i = 0; i < this.detectors.length; i++) {
      const timer = this.counters[i] as CycleTimer;
      const cycles = timer.read();
      (this.detectors[i] as LoopDetector).sample(cycles, timer.spanMs, now);
    }
    for (let i = 0; i < this.lanes.length; i++) (this.lanes[i] as Lane).tick(now);
    const first = this.lanes[0];
    if (first && this.closing(now, first.aggregator.boundaryMs)) this.closeInterval(now);
    this.reportFaults(now);
  }

  /** An interval closes once its late edges are in and its vehicles are classified (or at the cap). */
  private closing(now: number, boundaryMs: number): boolean {
    if (now < boundaryMs + this.settleMs) return false;
    if (now >= boundaryMs + MAX_SETTLE_SHARE * (this.config as LoopConfig).intervalS * 1000) return true;
    for (let i = 0; i < this.lanes.length; i++) if ((this.lanes[i] as Lane).waitingBefore(boundaryMs)) return false;
    return true;
  }

  private closeInterval(now: number): void {
    for (const lane of this.lanes) {
      const lead = this.detectors[lane.loops[0] as number] as LoopDetector;
      lane.closing(lane.aggregator.boundaryMs, now);
      this.ctx.send("loopInterval", lane.aggregator.close(lead.occupied ? lead.occupiedSinceMs : Number.NaN));
    }
  }

  /** Faults in force, plus fault events (stuck presence, chatter) held for one status period. */
  private reportFaults(now: number): void {
    let bits = 0;
    let events = 0;
    for (let i = 0; i < this.detectors.length; i++) {
      const d = this.detectors[i] as LoopDetector;
      bits |= d.faults;
      events |= d.takeEvents();
    }
    if (events) {
      this.held |= events;
      this.heldUntilMs = now + this.holdMs;
    } else if (now >= this.heldUntilMs) {
      this.held = 0;
    }
    bits |= this.held;
    if (bits === this.reported) return;
    if (bits & ~this.reported) this.ctx.platform.trace(`loop: faults ${bits}`);
    this.reported = bits;
    this.ctx.setFaults(bits);
  }

  // --- DetectorListener ---

  arrive(loop: number, tOnMs: number): void {
    this.laneOf[loop]?.arrive(loop, tOnMs);
  }

  depart(loop: number, tOnMs: number, tOffMs: number, centroidMs: number, peakShift: number): void {
    this.laneOf[loop]?.depart(loop, tOnMs, tOffMs, centroidMs, peakShift);
  }

  /**
   * A trap's loops share the longer window; the settling time covers the longest one. Once every
   * loop is tuned, a loop finer than crosstalk allows next to its neighbours' frequencies is held.
   */
  tuned(loop: number): void {
    const config = this.config as LoopConfig;
    const lane = this.laneOf[loop];
    if (!lane) return;
    let gates = 1;
    for (const i of lane.loops) gates = Math.max(gates, (this.detectors[i] as LoopDetector).neededWindow);
    for (const i of lane.loops) {
      const d = this.detectors[i] as LoopDetector;
      if (d.tuned) d.setWindow(gates);
    }
    this.settleMs = Math.max(this.settleMs, (gates + 2) * config.gateMs);
    if (this.detectors.every((d) => d.tuned)) this.holdAgainstCrosstalk();
    const d = this.detectors[loop] as LoopDetector;
    this.ctx.platform.trace(
      `loop${loop}: ${Math.round(d.baselineHz)} Hz, noise ${Math.round(d.noisePerGate * 1e7) / 10} ppm, ` +
        `window ${gates}x${config.gateMs} ms, sensitivity ${Math.round(d.effectiveSensitivity * 1e6) / 1e4} %`,
    );
  }

  private holdAgainstCrosstalk(): void {
    const hz = this.detectors.map((d) => d.baselineHz);
    for (let i = 0; i < this.detectors.length; i++) {
      const hold = crosstalkHold(hz, i);
      if (!hold) continue;
      const d = this.detectors[i] as LoopDetector;
      if (d.holdAt(hold.sensitivity)) {
        this.ctx.platform.trace(
          `loop${i}: held at ${hold.sensitivity * 100} %: loop${hold.neighbour} is ${Math.round(hold.separation * 1000) / 10} % away in frequency`,
        );
      }
    }
  }
}

export const loopRole: RoleFactory = (ctx) => new LoopRole(ctx);
