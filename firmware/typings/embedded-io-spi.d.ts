// ECMA-419 SPI (embedded:io/spi): only handed to the sx127x driver, which talks to the radio.

declare module "embedded:io/spi" {
  export interface SPIOptions {
    clock: number;
    in?: number;
    out?: number;
    select?: number;
    hz: number;
    mode?: number;
    port?: number;
  }

  export default class SPI {
    constructor(options: SPIOptions);
    read(buffer: ArrayBufferView): void;
    write(buffer: ArrayBufferView | ArrayBuffer): void;
    transfer(buffer: ArrayBufferView): void;
    flush(deselect?: boolean): void;
    close(): void;
  }
}
