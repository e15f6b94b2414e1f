// ECMA-419 serial IO as the Moddable SDK implements it (embedded:io/serial), as Pantau uses it:
// buffer format, callbacks for received bytes and free output space.

declare module "embedded:io/serial" {
  export interface SerialOptions {
    port: number;
    receive?: number;
    transmit?: number;
    baud: number;
    format?: "buffer" | "number";
    /** `count` bytes can be read */
    onReadable?: (this: Serial, count: number) => void;
    /** `count` bytes of output space are free */
    onWritable?: (this: Serial, count: number) => void;
  }

  export default class Serial {
    constructor(options: SerialOptions);
    /** everything received so far, or undefined when nothing is waiting */
    read(): ArrayBuffer | undefined;
    write(bytes: ArrayBuffer | ArrayBufferView): void;
    close(): void;
    format: "buffer" | "number";
  }
}
