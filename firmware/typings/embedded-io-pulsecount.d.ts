// ECMA-419 pulse count (embedded:io/pulsecount) on the ESP32 PCNT unit. Without onReadable the
// count is the raw 16-bit hardware counter, which restarts at 0 when it reaches 32767.

declare module "embedded:io/pulsecount" {
  export interface PulseCountOptions {
    signal: number;
    control?: number;
    /** glitch filter in APB clock cycles (80 MHz), default 100 */
    filter?: number;
    onReadable?: (this: PulseCount) => void;
  }

  export default class PulseCount {
    constructor(options: PulseCountOptions);
    read(): number;
    /** sets the count (and clears the hardware counter) */
    write(count: number): void;
    close(): void;
  }
}
