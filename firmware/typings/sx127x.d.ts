// The Moddable SDK's SX127x LoRa driver ($MODDABLE/modules/drivers/sx127x): ECMA-419-style
// options naming the IO class and pins of each line. Units as the driver takes them: frequency
// in MHz, bandwidth in kHz, coding rate as the 4/x denominator.

declare module "sx127x" {
  import type SPI from "embedded:io/spi";
  import type Digital from "embedded:io/digital";
  import type { DigitalMode } from "embedded:io/digital";

  export interface PinLine {
    io: typeof Digital;
    pin: number;
    mode: DigitalMode;
  }

  export interface LoRaOptions {
    spi: { io: typeof SPI; clock: number; in: number; out: number; hz: number; port?: number; mode?: number };
    select: PinLine;
    reset: PinLine;
    interrupt: PinLine;
    frequency: number;
    spreadingFactor: number;
    bandwidth: number;
    codingRate?: number;
    transmitPower?: number;
    syncWord?: number;
    preambleLength?: number;
    crc?: boolean;
    enableReceiver?: boolean;
    /** a packet of `count` bytes was received without CRC error */
    onReadable?: (count: number) => void;
    /** the last write has left the antenna */
    onWritable?: () => void;
  }

  export interface LoRaStatistics {
    rssi: number;
    packetRssi: number;
    /** dB, in steps of 0.25 */
    snr: number;
    packetFrequencyError: number;
  }

  export default class LoRa {
    constructor(options: LoRaOptions);
    /** copies the waiting packet into `buffer`; its length, or undefined when none is waiting */
    read(buffer: Uint8Array): number | undefined;
    write(buffer: Uint8Array | ArrayBuffer, size?: number): void;
    statistics(): LoRaStatistics;
    close(): void;
  }
}
