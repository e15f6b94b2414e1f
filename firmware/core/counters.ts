// (boot, seq) for every uplink: the gateway's replay window. seq is 16 bits on the air; after
// seq 0xFFFF the unit raises and persists boot and starts again at seq 0, exactly as a reboot
// would, so the gateway never mistakes the wrap for a replay.

import { MAX_SEQ } from "../../shared/envelope.js";
import type { Storage } from "../platform/platform.js";
import { saveBoot } from "./identity.js";

export interface FrameNumber {
  boot: number;
  seq: number;
}

export class FrameCounter {
  private nextSeq = 0;

  constructor(
    private readonly storage: Storage,
    private bootNumber: number,
  ) {}

  get boot(): number {
    return this.bootNumber;
  }

  next(): FrameNumber {
    if (this.nextSeq > MAX_SEQ) {
      this.bootNumber = (this.bootNumber + 1) & 0xffff;
      saveBoot(this.storage, this.bootNumber);
      this.nextSeq = 0;
    }
    return { boot: this.bootNumber, seq: this.nextSeq++ };
  }

  /** for tests and diagnostics: the seq the next frame will get */
  peekSeq(): number {
    return this.nextSeq;
  }

  /** lets a test start near the wrap without sending 65 536 frames */
  skipTo(seq: number): void {
    if (!Number.isInteger(seq) || seq < 0 || seq > MAX_SEQ + 1) throw new RangeError(`seq ${seq} out of range`);
    this.nextSeq = seq;
  }
}
