// The project's native reciprocal counter (firmware/native/cycle-timer): an MCPWM capture channel
// stamps every `prescale`-th rising edge of a loop oscillator with the capture clock.

declare module "cycle-timer" {
  export interface CycleTimerOptions {
    pin: number;
    /** rising edges per stamp, 1..256 (default 64) */
    prescale?: number;
  }

  export default class CycleTimer {
    constructor(options: CycleTimerOptions);
    /** whole cycles since the previous read's newest stamp (0 with no new stamp, and at the first) */
    read(): number;
    /** capture-clock ticks between those two stamps, for the last read */
    readonly span: number;
    /** the capture clock, Hz (80 MHz on the ESP32) */
    readonly hz: number;
    close(): void;
  }
}
