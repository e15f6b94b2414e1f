// The unit's host UART (USB on the dev boards): SLIP frames in both directions, routed by their
// first byte, because several protocols share the one port:
//   0x87 envelope frames (CBOR array(7)): uplinks to and acks from the gateway (serial link)
//   'C'/'c' console requests/responses, 'R'/'T' bridge relay records (shared/relay.ts)

import { slipEncode, SlipDecoder } from "../../shared/slip.js";
import type { Platform, SerialPort } from "../platform/platform.js";

export const ENVELOPE_MARKER = 0x87;
/** Console requests can carry a settings map, so frames up to this size are accepted. */
export const HOST_MAX_FRAME = 1200;

export type FrameHandler = (frame: Uint8Array) => void;

export class HostPort {
  private readonly port: SerialPort;
  private readonly decoder: SlipDecoder;
  private readonly handlers = new Map<number, FrameHandler>();
  framesIn = 0;
  framesOut = 0;
  unrouted = 0;
  framingErrors = 0;
  handlerErrors = 0;

  constructor(private readonly platform: Platform, readonly name: string, baud: number) {
    this.decoder = new SlipDecoder(
      (frame) => this.route(frame),
      (reason) => {
        this.framingErrors++;
        platform.trace(`${name}: SLIP ${reason}`);
      },
      HOST_MAX_FRAME,
    );
    this.port = platform.serial({ port: name, baud, onReceive: (bytes) => this.decoder.push(bytes) });
  }

  /** Frames whose first byte is `marker` go to `handler` (one handler per marker). */
  on(marker: number, handler: FrameHandler): void {
    this.handlers.set(marker, handler);
  }

  send(frame: Uint8Array): void {
    this.port.write(slipEncode(frame));
    this.framesOut++;
  }

  close(): void {
    this.port.close();
    this.decoder.reset();
  }

  private route(frame: Uint8Array): void {
    this.framesIn++;
    const handler = this.handlers.get(frame[0]!);
    if (!handler) {
      this.unrouted++;
      return;
    }
    // A faulty frame must never take the port down: the handler's error is counted and traced.
    try {
      handler(frame);
    } catch (err) {
      this.handlerErrors++;
      this.platform.trace(`${this.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
