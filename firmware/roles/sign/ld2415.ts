// HLK-LD2415H driver: 9600 baud, about 22 lines a second like `V+002.6` (km/h, CR LF).
// The sign is + for a target approaching the radar. Anything but `V`, a sign, 1-3 digits and
// an optional single decimal is a garbled line (a merged partial line has a second `V` or
// extra digits) and is counted, not guessed at.

import { isDigit, LineRadar, MAX_RADAR_DKMH, parseDecimal, type ReportHandler } from "./radar.js";

const V = 0x56;
const PLUS = 0x2b;
const MINUS = 0x2d;
const DOT = 0x2e;

export const LD2415_BAUD = 9600;

export class Ld2415 extends LineRadar {
  constructor(onReport: ReportHandler, invert = false) {
    super(onReport, invert);
  }

  protected line(line: Uint8Array, start: number, end: number): void {
    if (!wellFormed(line, start, end)) {
      this.tally.errors++;
      return;
    }
    const dkmh = Math.round(parseDecimal(line, start + 1, end) * 10);
    if (Math.abs(dkmh) > MAX_RADAR_DKMH) {
      this.tally.errors++;
      return;
    }
    this.report(dkmh);
  }
}

/** `V`, `+` or `-`, 1-3 digits, then nothing or `.` and one digit */
function wellFormed(line: Uint8Array, start: number, end: number): boolean {
  if (line[start] !== V || (line[start + 1] !== PLUS && line[start + 1] !== MINUS)) return false;
  let i = start + 2;
  const digitsFrom = i;
  while (i < end && isDigit(line[i])) i++;
  const digits = i - digitsFrom;
  if (digits < 1 || digits > 3) return false;
  if (i === end) return true;
  return line[i] === DOT && i + 2 === end && isDigit(line[i + 1]);
}
