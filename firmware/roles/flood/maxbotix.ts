// MaxBotix serial ranger (HRXL-MaxSonar-WR family, e.g. MB7389): 9600 8N1, free-running frames
// of `R`, four digits of millimetres and CR. Parsed byte by byte in a fixed state, so chunk
// boundaries do not matter and junk costs nothing but an error count. The older inch models
// (`R` + 3 digits) are not supported: a frame must have exactly four digits.

export const MAXBOTIX_BAUD = 9600;

const R = 0x52;
const CR = 0x0d;
const ZERO = 0x30;
const NINE = 0x39;
const DIGITS = 4;

export class Maxbotix {
  /** digits read in the current frame, or -1 while waiting for `R` */
  private digits = -1;
  private value = 0;
  frames = 0;
  errors = 0;

  constructor(private readonly onReading: (mm: number) => void) {}

  push(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) this.byte(bytes[i] as number);
  }

  private byte(b: number): void {
    if (b === R) {
      if (this.digits >= 0) this.errors++;
      this.digits = 0;
      this.value = 0;
    } else if (this.digits < 0) {
      // between frames: a stray byte outside any frame is ignored, like the LF some units add
    } else if (this.digits < DIGITS && b >= ZERO && b <= NINE) {
      this.value = this.value * 10 + (b - ZERO);
      this.digits++;
    } else if (this.digits === DIGITS && b === CR) {
      this.digits = -1;
      this.frames++;
      this.onReading(this.value);
    } else {
      this.digits = -1;
      this.errors++;
    }
  }
}
