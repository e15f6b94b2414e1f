import { slipEncode, type SlipDecoder } from "../../shared/slip.js";
import type { SimDevice } from "../../firmware/sim/run-device.js";
import { createDeframer, type FrameSink, type Link, type LinkKind } from "../ingest/link.js";

/**
 * The gateway's end of a simulated unit's USB serial line: the same SLIP bytes a real port
 * carries, fed through the same deframer, with no operating-system port in between.
 */
export class SimLink implements Link {
  private readonly deframer: SlipDecoder;
  private unit: SimDevice | undefined;

  readonly state = "open" as const;

  constructor(readonly name: string, readonly kind: LinkKind, sink: FrameSink) {
    this.deframer = createDeframer(this, sink);
  }

  /** bytes the unit wrote on its host port */
  receive(bytes: Uint8Array): void {
    this.deframer.push(bytes);
  }

  connect(unit: SimDevice): void {
    this.unit = unit;
  }

  send(frame: Uint8Array): boolean {
    if (!this.unit) return false;
    this.unit.host.deliver(slipEncode(frame));
    return true;
  }

  /** disconnects; the unit itself belongs to the demo, which stops it */
  async stop(): Promise<void> {
    this.unit = undefined;
  }
}
