// The Moddable SDK's SX127x LoRa driver ($MODDABLE/modules/drivers/sx127x/sx127x.js), which the
// SDK ships without typings. Written the way the SDK's own typings are (typings/embedded_io/*):
// an ambient module with a default-exported class, options inline, pins as PinSpecifier. Only
// what Pantau uses. Units as the driver takes them: frequency in MHz, bandwidth in kHz, coding
// rate as the 4/x denominator.

declare module "sx127x" {
  import type { PinSpecifier, PortSpecifier } from "embedded:io/_common";
  import type Digital from "embedded:io/digital";
  import type SPI from "embedded:io/spi";

  class SX127x {
    constructor(options: {
      spi: {
        io: typeof SPI;
        clock: PinSpecifier;
        in: PinSpecifier;
        out: PinSpecifier;
        hz: number;
        port?: PortSpecifier;
        mode?: number;
      };
      select: { io: typeof Digital; pin: PinSpecifier; mode: number };
      reset: { io: typeof Digital; pin: PinSpecifier; mode: number };
      interrupt: { io: typeof Digital; pin: PinSpecifier; mode: number };
      frequency?: number;
      spreadingFactor?: number;
      bandwidth?: number;
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
    });
    /** copies the waiting packet into `buffer`; its length, or undefined when none is waiting */
    read(buffer: Uint8Array): number | undefined;
    write(buffer: ByteBuffer | ArrayBuffer, size?: number): void;
    /** RSSI in dBm; SNR in dB, in steps of 0.25 */
    statistics(): { rssi: number; packetRssi: number; snr: number; packetFrequencyError: number };
    close(): void;
  }

  export default SX127x;
}
