// What every radar driver gives the sign: signed speeds in tenths of km/h, positive for a
// target approaching the sign, plus counters for the health of the serial line.

import { LineReader } from "./line-reader.js";

/** receives one radar report; speedDkmh > 0 approaching, < 0 moving away */
export type ReportHandler = (speedDkmh: number) => void;

export interface RadarCounters {
  /** speed reports delivered */
  reports: number;
  /** lines that should have been speed reports but could not be read (garbled, truncated, absurd) */
  errors: number;
  /** well-formed lines that carry no speed (command replies, settings) */
  ignored: number;
}

export interface RadarDriver {
  push(bytes: Uint8Array): void;
  readonly counters: RadarCounters;
}

/**
 * A radar that prints one report per text line: the line reader, the counters and the sign
 * convention are common; each model only reads its own line format.
 */
export abstract class LineRadar implements RadarDriver {
  protected readonly tally = { reports: 0, errors: 0, ignored: 0 };
  private readonly reader: LineReader;

  constructor(
    private readonly onReport: ReportHandler,
    /** true where the radar is mounted or set so that approaching targets read negative */
    private readonly invert: boolean,
  ) {
    this.reader = new LineReader((line, length) => this.trimmed(line, length), MAX_RADAR_LINE);
  }

  push(bytes: Uint8Array): void {
    this.reader.push(bytes);
  }

  get counters(): RadarCounters {
    return { ...this.tally, errors: this.tally.errors + this.reader.overflows };
  }

  /** reads line[start, end), never empty and trimmed of blanks */
  protected abstract line(line: Uint8Array, start: number, end: number): void;

  protected report(dkmh: number): void {
    this.tally.reports++;
    this.onReport(this.invert ? -dkmh : dkmh);
  }

  private trimmed(line: Uint8Array, length: number): void {
    const start = skipSpaces(line, 0, length);
    const end = trimEnd(line, start, length);
    if (start !== end) this.line(line, start, end);
  }
}

/** Speeds beyond this are read errors, not vehicles (300 km/h, the top of signStats' range). */
export const MAX_RADAR_DKMH = 3000;

/** Longest line kept; longer ones are junk and dropped by the line reader. */
export const MAX_RADAR_LINE = 120;

const ZERO = 0x30;
const NINE = 0x39;
const DOT = 0x2e;
const PLUS = 0x2b;
const MINUS = 0x2d;

/** Parses `[+-]digits[.digits]` in line[start, end) by hand (no string, no allocation); NaN otherwise. */
export function parseDecimal(line: Uint8Array, start: number, end: number): number {
  let i = start;
  let negative = false;
  const first = line[i];
  if (i < end && (first === PLUS || first === MINUS)) {
    negative = first === MINUS;
    i++;
  }
  let value = 0;
  let digits = 0;
  let scale = 1;
  let seenPoint = false;
  for (; i < end; i++) {
    const b = line[i] as number;
    if (b >= ZERO && b <= NINE) {
      if (++digits > 9) return NaN;
      value = value * 10 + (b - ZERO);
      if (seenPoint) scale *= 10;
    } else if (b === DOT && !seenPoint) {
      seenPoint = true;
    } else {
      return NaN;
    }
  }
  if (digits === 0) return NaN;
  return negative ? -value / scale : value / scale;
}

export function isDigit(b: number | undefined): boolean {
  return b !== undefined && b >= ZERO && b <= NINE;
}

/** ASCII text as bytes, for constants built once at load (XS has no TextEncoder). */
export function ascii(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0x7f;
  return bytes;
}

/** line[start, end) equals the given bytes */
export function spanEquals(line: Uint8Array, start: number, end: number, text: Uint8Array): boolean {
  if (end - start !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (line[start + i] !== text[i]) return false;
  return true;
}

export function skipSpaces(line: Uint8Array, i: number, end: number): number {
  while (i < end && (line[i] === 0x20 || line[i] === 0x09)) i++;
  return i;
}

export function trimEnd(line: Uint8Array, start: number, end: number): number {
  while (end > start && (line[end - 1] === 0x20 || line[end - 1] === 0x09)) end--;
  return end;
}
