// Cuts a serial byte stream into text lines inside one fixed buffer. Chunks may split a line
// anywhere; a line longer than the buffer (junk, a stuck transmitter) is dropped whole and
// counted, so nothing the radar sends can grow memory.

export type LineHandler = (line: Uint8Array, length: number) => void;

const LF = 0x0a;
const CR = 0x0d;

export class LineReader {
  private readonly buffer: Uint8Array;
  private length = 0;
  private overflowing = false;
  /** lines dropped because they did not fit the buffer */
  overflows = 0;

  constructor(private readonly onLine: LineHandler, maxLine: number) {
    this.buffer = new Uint8Array(maxLine);
  }

  push(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i] as number;
      if (b === LF || b === CR) this.endLine();
      else if (this.length < this.buffer.length) this.buffer[this.length++] = b;
      else this.overflowing = true;
    }
  }

  /** forget a partial line, e.g. after the port was reopened */
  reset(): void {
    this.length = 0;
    this.overflowing = false;
  }

  private endLine(): void {
    if (this.overflowing) this.overflows++;
    else if (this.length > 0) this.onLine(this.buffer, this.length);
    this.reset();
  }
}
