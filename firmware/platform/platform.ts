// The one interface between role code and hardware. On the device it is backed by Moddable's
// modules (firmware/platform/moddable.ts); in tests and the demo by scripted physics
// (firmware/sim/). Role code never imports a Moddable module directly.

export interface SerialPort {
  /** queue bytes for transmission */
  write(bytes: Uint8Array): void;
  close(): void;
}

export interface SerialOptions {
  /** board port name from the pin map, e.g. "radar" or "console" */
  port: string;
  baud: number;
  onReceive(bytes: Uint8Array): void;
}

export interface DigitalOut {
  write(value: 0 | 1): void;
}

export interface PulseCounter {
  /** counts since the previous read */
  read(): number;
  close(): void;
}

/**
 * An oscillator measured by reciprocal counting: the hardware stamps every Nth cycle's edge
 * with a fast clock, so a read is a whole number of cycles and the time they took, edge to edge.
 * Its resolution is the clock's tick over the read's span, whatever the frequency (a gated count
 * resolves one cycle in the count, 200 ppm in a 50 ms gate at 100 kHz).
 */
export interface CycleTimer {
  /**
   * cycles from the last stamped edge before the previous read to the last one before now;
   * 0 when no edge was stamped since (the oscillator stopped)
   */
  read(): number;
  /** the time those cycles took by the fast clock, ms (fractional); 0 with no cycles */
  readonly spanMs: number;
  /** one tick of the fast clock, ms */
  readonly tickMs: number;
  close(): void;
}

export interface AnalogIn {
  /** raw reading and the converter's full scale, e.g. { value: 2048, max: 4095 } */
  read(): { value: number; max: number };
  close(): void;
}

export interface TimerHandle {
  readonly id: number;
}

export interface Storage {
  get(key: string): string | number | boolean | Uint8Array | undefined;
  set(key: string, value: string | number | boolean | Uint8Array): void;
  delete(key: string): void;
}

export interface RadioPacket {
  payload: Uint8Array;
  rssiDbm: number;
  /** SNR in tenths of a dB */
  snrDb10: number;
}

export interface Radio {
  /** start listening; packets arrive through onPacket */
  receive(onPacket: (packet: RadioPacket) => void): void;
  /** transmit one packet; done() is called when the radio is back in receive */
  transmit(payload: Uint8Array, done: () => void): void;
  readonly spreadingFactor: number;
  readonly bandwidthHz: number;
}

export interface Platform {
  serial(options: SerialOptions): SerialPort;
  digitalOut(pin: string): DigitalOut;
  pulseCounter(input: string): PulseCounter;
  /** an inductive loop's oscillator, e.g. "loop0" */
  cycleTimer(input: string): CycleTimer;
  analogIn(input: string): AnalogIn;
  /** repeating when intervalMs is given, otherwise one shot */
  setTimer(callback: () => void, delayMs: number, intervalMs?: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
  readonly storage: Storage;
  /** undefined on boards without a LoRa radio */
  readonly radio: Radio | undefined;
  /** milliseconds since boot, monotonic; fractional where the port has a microsecond timer */
  uptimeMs(): number;
  /** supply voltage in millivolts */
  batteryMv(): number;
  /** bytes of heap in use, or -1 where the platform cannot tell */
  heapUsed(): number;
  restart(): void;
  /** a diagnostic line on the console (never frames) */
  trace(message: string): void;
}
