// A simulated board in virtual time: timers fire when the scenario advances the clock, and
// sensor inputs are functions of that clock supplied by physics scripts. Runs on XS and Node.

import type {
  AnalogIn, CycleTimer, DigitalOut, Platform, PulseCounter, Radio, SerialOptions, SerialPort, Storage, TimerHandle,
} from "../platform/platform.js";

interface Timer {
  id: number;
  due: number;
  interval: number | undefined;
  callback: () => void;
}

/** what a physics script offers for a cycle-timer input (see CycleTimer) */
export interface CycleSource {
  /** cycles between the stamped edges, for a read at toMs */
  read(toMs: number): number;
  /** their span, ms */
  spanMs(): number;
  tickMs: number;
}

export interface SerialPeer {
  /** bytes the firmware wrote */
  onWrite?: (bytes: Uint8Array) => void;
  /** the simulation's end: push bytes to the firmware */
  deliver(bytes: Uint8Array): void;
}

export class MemoryStorage implements Storage {
  private readonly values = new Map<string, string | number | boolean | Uint8Array>();
  get(key: string) { return this.values.get(key); }
  set(key: string, value: string | number | boolean | Uint8Array) { this.values.set(key, value); }
  delete(key: string) { this.values.delete(key); }
}

export class SimPlatform implements Platform {
  private now = 0;
  private nextId = 1;
  private timers: Timer[] = [];
  private readonly receivers = new Map<string, (bytes: Uint8Array) => void>();
  private readonly peers = new Map<string, SerialPeer>();
  private readonly pulseSources = new Map<string, (fromMs: number, toMs: number) => number>();
  private readonly cycleSources = new Map<string, CycleSource>();
  private readonly analogSources = new Map<string, (tMs: number) => number>();
  readonly outputs = new Map<string, 0 | 1>();
  readonly traces: string[] = [];
  restarts = 0;
  battery = 3700;
  radio: Radio | undefined;

  constructor(readonly storage: Storage = new MemoryStorage()) {}

  // --- what physics scripts use ---

  /** counts a pulse source produces between two instants */
  setPulseSource(input: string, counts: (fromMs: number, toMs: number) => number): void {
    this.pulseSources.set(input, counts);
  }

  /** an oscillator measured by reciprocal counting (the script integrates its frequency) */
  setCycleSource(input: string, source: CycleSource): void {
    this.cycleSources.set(input, source);
  }

  setAnalogSource(input: string, volts01: (tMs: number) => number): void {
    this.analogSources.set(input, volts01);
  }

  /** the other end of a firmware serial port */
  serialPeer(port: string, onWrite?: (bytes: Uint8Array) => void): SerialPeer {
    const peer: SerialPeer = {
      onWrite,
      deliver: (bytes) => this.receivers.get(port)?.(bytes),
    };
    this.peers.set(port, peer);
    return peer;
  }

  /** runs every timer due up to now + ms, in order, with the clock at each timer's due time */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let next: Timer | undefined;
      for (const t of this.timers) if (t.due <= end && (!next || t.due < next.due)) next = t;
      if (!next) break;
      this.now = next.due;
      if (next.interval === undefined) this.timers = this.timers.filter((t) => t !== next);
      else next.due += Math.max(1, next.interval);
      next.callback();
    }
    this.now = end;
  }

  get timeMs(): number {
    return this.now;
  }

  get pendingTimers(): number {
    return this.timers.length;
  }

  // --- Platform ---

  serial(options: SerialOptions): SerialPort {
    this.receivers.set(options.port, options.onReceive);
    return {
      write: (bytes) => this.peers.get(options.port)?.onWrite?.(bytes.slice()),
      close: () => { this.receivers.delete(options.port); },
    };
  }

  digitalOut(pin: string): DigitalOut {
    return { write: (value) => { this.outputs.set(pin, value); } };
  }

  pulseCounter(input: string): PulseCounter {
    let last = this.now;
    return {
      read: () => {
        const source = this.pulseSources.get(input);
        const counts = source ? source(last, this.now) : 0;
        last = this.now;
        return counts;
      },
      close: () => undefined,
    };
  }

  cycleTimer(input: string): CycleTimer {
    const sources = this.cycleSources;
    const platform = this;
    return {
      read: () => sources.get(input)?.read(platform.now) ?? 0,
      get spanMs() {
        return sources.get(input)?.spanMs() ?? 0;
      },
      get tickMs() {
        return sources.get(input)?.tickMs ?? 0;
      },
      close: () => undefined,
    };
  }

  analogIn(input: string): AnalogIn {
    return {
      read: () => {
        const v = this.analogSources.get(input)?.(this.now) ?? 0;
        return { value: Math.round(Math.min(1, Math.max(0, v)) * 4095), max: 4095 };
      },
      close: () => undefined,
    };
  }

  setTimer(callback: () => void, delayMs: number, intervalMs?: number): TimerHandle {
    const timer: Timer = { id: this.nextId++, due: this.now + Math.max(0, delayMs), interval: intervalMs, callback };
    this.timers.push(timer);
    return { id: timer.id };
  }

  clearTimer(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.id !== handle.id);
  }

  uptimeMs(): number {
    return this.now;
  }

  batteryMv(): number {
    return this.battery;
  }

  heapUsed(): number {
    return -1;
  }

  restart(): void {
    this.restarts++;
  }

  trace(message: string): void {
    if (this.traces.length >= 100) this.traces.shift();
    this.traces.push(message);
  }
}
