// ECMA-419 digital IO (embedded:io/digital): Pantau drives outputs and reads the LoRa radio's
// interrupt line (through the sx127x driver).

declare module "embedded:io/digital" {
  export type DigitalMode = number;

  export interface DigitalOptions {
    pin: number;
    mode: DigitalMode;
    edge?: number;
    onReadable?: (this: Digital) => void;
  }

  export default class Digital {
    static readonly Input: DigitalMode;
    static readonly InputPullUp: DigitalMode;
    static readonly InputPullDown: DigitalMode;
    static readonly Output: DigitalMode;
    static readonly Rising: number;
    static readonly Falling: number;
    constructor(options: DigitalOptions);
    read(): 0 | 1;
    write(value: 0 | 1): void;
    close(): void;
  }
}
