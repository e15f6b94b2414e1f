/// <reference path="../typings/cycle-timer.d.ts" />
/// <reference path="../typings/sx127x.d.ts" />

// The platform on an ESP32 running Moddable: ECMA-419 IO classes (embedded:io/*), the timer,
// time and preference modules, the SDK's SX127x LoRa driver, and the project's native cycle timer
// for the loops (firmware/native/cycle-timer). Which pin serves which platform name ("host",
// "radar", "loop0", ...) comes from the board map in the manifest's config (see
// hardware/pins.md); nothing here is specific to a role.

import Analog from "embedded:io/analog";
import Digital from "embedded:io/digital";
import NativeCycleTimer from "cycle-timer";
import PulseCount from "embedded:io/pulsecount";
import Serial from "embedded:io/serial";
import SPI from "embedded:io/spi";
import Preference from "preference";
import LoRa from "sx127x";
import Time from "time";
import Timer from "timer";
import type {
  AnalogIn, CycleTimer, DigitalOut, Platform, PulseCounter, Radio, RadioPacket, SerialOptions, SerialPort, Storage, TimerHandle,
} from "./platform.js";

// `trace` (the debug console) and `System` (non-standard, from the IO host: restarts the chip) are
// globals the SDK's typings declare (xs/includes/xs.d.ts, typings/global.d.ts).

/**
 * The ESP32 implementations have close() (modules/io/pulsecount/esp32, modules/io/analog/esp32)
 * though the SDK's typings omit it.
 */
type Closable<T> = T & { close(): void };

export interface SerialPins {
  port: number;
  receive?: number;
  transmit?: number;
}

export interface LoRaPins {
  clock: number;
  in: number;
  out: number;
  select: number;
  reset: number;
  interrupt: number;
  /** SPI host; see hardware/pins.md */
  port?: number;
  hz?: number;
}

export interface BoardMap {
  serial: Readonly<Record<string, SerialPins>>;
  digital?: Readonly<Record<string, number>>;
  pulse?: Readonly<Record<string, { signal: number; control?: number }>>;
  analog?: Readonly<Record<string, number>>;
  /** supply voltage through a resistor divider on an ADC pin */
  battery?: { pin: number; dividerRatio: number; fullScaleMv: number };
  lora?: LoRaPins;
}

export interface RadioSettings {
  freqKhz: number;
  spreadingFactor: number;
  bandwidthHz: number;
  txDbm: number;
  syncWord?: number;
}

/** The board map the build selected: config.boards[config.board] (see manifest.json). */
export function boardFromConfig(config: Readonly<Record<string, unknown>>): BoardMap {
  const boards = config.boards as Readonly<Record<string, BoardMap>> | undefined;
  const name = String(config.board);
  const board = boards?.[name];
  if (!board) throw new Error(`no board map "${name}" in the manifest config`);
  return board;
}

/** Preference-backed storage; byte values travel as ArrayBuffers. */
export class PreferenceStorage implements Storage {
  constructor(private readonly domain: string) {}

  get(key: string): string | number | boolean | Uint8Array | undefined {
    const value = Preference.get(this.domain, key);
    return value instanceof ArrayBuffer ? new Uint8Array(value) : value;
  }

  set(key: string, value: string | number | boolean | Uint8Array): void {
    Preference.set(this.domain, key, value instanceof Uint8Array ? value.slice().buffer : value);
  }

  delete(key: string): void {
    Preference.delete(this.domain, key);
  }
}

/** Output waiting for UART buffer space: bounded, excess is dropped and counted. */
const MAX_PENDING_OUTPUT = 4096;

class ModdableSerial implements SerialPort {
  private readonly io: Serial;
  private writable = 0;
  private readonly pending: Uint8Array[] = [];
  private pendingBytes = 0;
  dropped = 0;

  constructor(pins: SerialPins, options: SerialOptions) {
    const self = this;
    this.io = new Serial({
      ...lines(pins),
      port: pins.port,
      baud: options.baud,
      format: "buffer",
      onReadable() {
        const data = this.read();
        if (data instanceof ArrayBuffer) options.onReceive(new Uint8Array(data));
      },
      onWritable(count) {
        self.writable = count;
        self.drain();
      },
    });
  }

  write(bytes: Uint8Array): void {
    if (this.pendingBytes + bytes.length > MAX_PENDING_OUTPUT) {
      this.dropped++;
      return;
    }
    this.pending.push(bytes.slice());
    this.pendingBytes += bytes.length;
    this.drain();
  }

  close(): void {
    this.io.close();
  }

  private drain(): void {
    while (this.writable > 0) {
      const chunk = this.pending[0];
      if (!chunk) return;
      const n = Math.min(this.writable, chunk.length);
      this.io.write(chunk.subarray(0, n));
      this.writable -= n;
      this.pendingBytes -= n;
      if (n === chunk.length) this.pending.shift();
      else this.pending[0] = chunk.subarray(n);
    }
  }
}

/** A serial port's pins as the SDK's Serial takes them: at least one of receive and transmit. */
function lines(pins: SerialPins): { receive: number; transmit?: number } | { transmit: number } {
  if (pins.receive !== undefined) return { receive: pins.receive, transmit: pins.transmit };
  if (pins.transmit !== undefined) return { transmit: pins.transmit };
  throw new Error(`serial port ${pins.port} has neither a receive nor a transmit pin`);
}

type PulseCountOptions = ConstructorParameters<typeof PulseCount>[0];

class ModdablePulseCounter implements PulseCounter {
  private readonly io: Closable<PulseCount>;
  private last: number;

  constructor(pins: { signal: number; control?: number }) {
    // The ESP32 driver takes no control pin when none is given (PCNT_PIN_NOT_USED); the typings
    // require one.
    this.io = new PulseCount(pins as PulseCountOptions) as Closable<PulseCount>;
    this.last = this.io.read();
  }

  /**
   * Counts since the previous read. On ESP32, read() returns a running total: the driver adds the
   * hardware count to a C int and clears the counter at each read. That total wraps at 2^31
   * (about 6 h at 100 kHz), so the difference is taken as a signed 32-bit one. The hardware
   * counter itself holds at most 32 767 counts between reads.
   */
  read(): number {
    const now = this.io.read();
    const delta = (now - this.last) | 0;
    this.last = now;
    return delta;
  }

  close(): void {
    this.io.close();
  }
}

/**
 * Rising edges per stamp: a stamp every 0.64 ms at 100 kHz (1600 interrupts a second per loop),
 * several per 10 ms gate down to the 10 kHz the loop role accepts. Equal to STAMP_CYCLES in the
 * simulator (firmware/sim/physics/loop-traffic.ts).
 */
const STAMP_PRESCALE = 64;

/**
 * A loop oscillator by reciprocal counting. Neither ECMA-419 class can do it in JS: PulseCount
 * reads a count with no edge time, and PulseWidth's capture runs with prescale 1 (an interrupt
 * every cycle) and keeps only the latest single period (see firmware/native/cycle-timer/README.md).
 */
class ModdableCycleTimer implements CycleTimer {
  private readonly io: NativeCycleTimer;
  readonly tickMs: number;
  spanMs = 0;

  constructor(pins: { signal: number }) {
    this.io = new NativeCycleTimer({ pin: pins.signal, prescale: STAMP_PRESCALE });
    this.tickMs = 1000 / this.io.hz;
  }

  read(): number {
    const cycles = this.io.read();
    this.spanMs = this.io.span * this.tickMs;
    return cycles;
  }

  close(): void {
    this.io.close();
  }
}

class ModdableRadio implements Radio {
  readonly spreadingFactor: number;
  readonly bandwidthHz: number;
  private readonly lora: LoRa;
  private readonly buffer = new Uint8Array(256);
  private onPacket: ((packet: RadioPacket) => void) | undefined;
  private done: (() => void) | undefined;

  constructor(pins: LoRaPins, settings: RadioSettings) {
    this.spreadingFactor = settings.spreadingFactor;
    this.bandwidthHz = settings.bandwidthHz;
    // The driver works in MHz and computes registers with BigInt(MHz * 1e6): keep it integral.
    const frequency = Math.round(settings.freqKhz / 100) / 10;
    if (!Number.isInteger(frequency * 1e6)) throw new RangeError(`carrier ${settings.freqKhz} kHz`);
    this.lora = new LoRa({
      spi: { io: SPI, clock: pins.clock, in: pins.in, out: pins.out, hz: pins.hz ?? 8_000_000, port: pins.port, mode: 0 },
      select: { io: Digital, pin: pins.select, mode: Digital.Output },
      reset: { io: Digital, pin: pins.reset, mode: Digital.Output },
      interrupt: { io: Digital, pin: pins.interrupt, mode: Digital.Input },
      frequency,
      spreadingFactor: settings.spreadingFactor,
      bandwidth: settings.bandwidthHz / 1000,
      codingRate: 5,
      transmitPower: settings.txDbm,
      syncWord: settings.syncWord ?? 0x12,
      preambleLength: 8,
      crc: true,
      enableReceiver: true,
      onReadable: () => this.received(),
      onWritable: () => this.transmitted(),
    });
  }

  receive(onPacket: (packet: RadioPacket) => void): void {
    this.onPacket = onPacket;
  }

  transmit(payload: Uint8Array, done: () => void): void {
    this.done = done;
    this.lora.write(payload, payload.length);
  }

  private received(): void {
    // The packet registers hold this packet's figures until the next one arrives.
    const stats = this.lora.statistics();
    const length = this.lora.read(this.buffer);
    if (length === undefined) return;
    this.onPacket?.({ payload: this.buffer.slice(0, length), rssiDbm: Math.round(stats.packetRssi), snrDb10: Math.round(stats.snr * 10) });
  }

  private transmitted(): void {
    const done = this.done;
    this.done = undefined;
    done?.();
  }
}

export class ModdablePlatform implements Platform {
  readonly radio: Radio | undefined;
  private readonly timers = new Map<number, Timer>();
  private nextTimer = 1;
  private readonly battery: Analog | undefined;

  constructor(private readonly board: BoardMap, readonly storage: Storage, radio: RadioSettings) {
    this.battery = board.battery ? new Analog({ pin: board.battery.pin, resolution: 12 }) : undefined;
    this.radio = board.lora ? this.startRadio(board.lora, radio) : undefined;
  }

  serial(options: SerialOptions): SerialPort {
    return new ModdableSerial(this.pins(this.board.serial, options.port), options);
  }

  digitalOut(pin: string): DigitalOut {
    const io = new Digital({ pin: this.pins(this.board.digital, pin), mode: Digital.Output });
    return { write: (value) => io.write(value) };
  }

  pulseCounter(input: string): PulseCounter {
    return new ModdablePulseCounter(this.pins(this.board.pulse, input));
  }

  cycleTimer(input: string): CycleTimer {
    return new ModdableCycleTimer(this.pins(this.board.pulse, input));
  }

  analogIn(input: string): AnalogIn {
    const io = new Analog({ pin: this.pins(this.board.analog, input), resolution: 12 }) as Closable<Analog>;
    const max = 2 ** io.resolution - 1;
    return { read: () => ({ value: io.read(), max }), close: () => io.close() };
  }

  setTimer(callback: () => void, delayMs: number, intervalMs?: number): TimerHandle {
    const id = this.nextTimer++;
    const timer = intervalMs === undefined
      ? Timer.set(() => {
        this.timers.delete(id);
        callback();
      }, delayMs)
      : Timer.set(callback, delayMs, intervalMs);
    this.timers.set(id, timer);
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    const timer = this.timers.get(handle.id);
    if (timer === undefined) return;
    Timer.clear(timer);
    this.timers.delete(handle.id);
  }

  /** fractional, to the microsecond where the port has the timer (vehicle edges are placed on it) */
  uptimeMs(): number {
    const us = Time.microseconds;
    return us === undefined ? Time.ticks : us / 1000;
  }

  batteryMv(): number {
    const b = this.board.battery;
    if (!this.battery || !b) return 0;
    return (this.battery.read() / (2 ** this.battery.resolution - 1)) * b.fullScaleMv * b.dividerRatio;
  }

  heapUsed(): number {
    return -1;
  }

  restart(): void {
    System.restart();
  }

  trace(message: string): void {
    trace(`${message}\n`);
  }

  private pins<T>(map: Readonly<Record<string, T>> | undefined, name: string): T {
    const pins = map?.[name];
    if (pins === undefined) throw new Error(`this board has no "${name}"`);
    return pins;
  }

  private startRadio(pins: LoRaPins, settings: RadioSettings): Radio | undefined {
    try {
      return new ModdableRadio(pins, settings);
    } catch (err) {
      this.trace(`LoRa radio not available: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  }
}
