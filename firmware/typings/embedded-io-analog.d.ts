// ECMA-419 analog input (embedded:io/analog): raw ADC readings of `resolution` bits.

declare module "embedded:io/analog" {
  export interface AnalogOptions {
    pin: number;
    resolution?: number;
  }

  export default class Analog {
    constructor(options: AnalogOptions);
    readonly resolution: number;
    read(): number;
    close(): void;
  }
}
