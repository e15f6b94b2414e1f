// SLIP framing (RFC 1055) for frames on serial links. The decoder faces a hostile line: it keeps
// one fixed buffer, never allocates per byte, and turns malformed input into counted errors.

export const SLIP_END = 0xc0;
export const SLIP_ESC = 0xdb;
export const SLIP_ESC_END = 0xdc;
export const SLIP_ESC_ESC = 0xdd;

export type SlipErrorReason = "oversize" | "bad-escape";

/** END, `frame` with END/ESC escaped, END. The leading END flushes any line noise (RFC 1055). */
export function slipEncode(frame: Uint8Array): Uint8Array {
  let escapes = 0;
  for (let i = 0; i < frame.length; i++) {
    const b = frame[i]!;
    if (b === SLIP_END || b === SLIP_ESC) escapes++;
  }
  const out = new Uint8Array(frame.length + escapes + 2);
  let o = 0;
  out[o++] = SLIP_END;
  for (let i = 0; i < frame.length; i++) {
    const b = frame[i]!;
    if (b === SLIP_END) {
      out[o++] = SLIP_ESC;
      out[o++] = SLIP_ESC_END;
    } else if (b === SLIP_ESC) {
      out[o++] = SLIP_ESC;
      out[o++] = SLIP_ESC_ESC;
    } else {
      out[o++] = b;
    }
  }
  out[o] = SLIP_END;
  return out;
}

/**
 * Incremental SLIP decoder: push bytes as they arrive, split anywhere. Each non-empty frame
 * between two ENDs is handed to `onFrame` as a fresh copy; empty frames (END END) are skipped.
 *
 * A faulty frame (longer than `maxFrame` decoded bytes, or an ESC followed by anything but
 * ESC_END/ESC_ESC) is discarded up to the next END and reported once, when that END arrives,
 * with the number of line bytes dropped. END always ends a frame, even right after an ESC (that
 * is a bad escape), so the decoder resynchronises on the next END whatever came before.
 *
 * Bytes received before the first END (e.g. the tail of a frame cut by opening the port) are
 * decoded like any frame: the caller's integrity check rejects them, unless they are faulty here.
 */
export class SlipDecoder {
  private readonly buf: Uint8Array;
  private len = 0;
  private lineBytes = 0; // bytes of the current frame as received, for the error report
  private escaped = false;
  private fault: SlipErrorReason | null = null;

  constructor(
    private readonly onFrame: (frame: Uint8Array) => void,
    private readonly onError: (reason: SlipErrorReason, dropped: number) => void,
    maxFrame = 256,
  ) {
    if (!Number.isInteger(maxFrame) || maxFrame < 1) {
      throw new RangeError(`SLIP maxFrame must be a positive integer, got ${maxFrame}`);
    }
    this.buf = new Uint8Array(maxFrame);
  }

  push(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b === SLIP_END) {
        this.endFrame();
        continue;
      }
      this.lineBytes++;
      if (this.fault !== null) continue; // discarding up to the next END
      if (this.escaped) {
        this.escaped = false;
        if (b === SLIP_ESC_END) this.append(SLIP_END);
        else if (b === SLIP_ESC_ESC) this.append(SLIP_ESC);
        else this.fault = "bad-escape";
      } else if (b === SLIP_ESC) {
        this.escaped = true;
      } else {
        this.append(b);
      }
    }
  }

  /** Forgets a partial frame without reporting it (e.g. when the port is reopened). */
  reset(): void {
    this.len = 0;
    this.lineBytes = 0;
    this.escaped = false;
    this.fault = null;
  }

  private append(b: number): void {
    if (this.len === this.buf.length) this.fault = "oversize";
    else this.buf[this.len++] = b;
  }

  private endFrame(): void {
    const fault = this.escaped && this.fault === null ? "bad-escape" : this.fault;
    const dropped = this.lineBytes;
    const len = this.len;
    // State is cleared before the callbacks run, so one that throws leaves the decoder usable.
    this.reset();
    if (fault !== null) this.onError(fault, dropped);
    else if (len > 0) this.onFrame(this.buf.slice(0, len));
  }
}
