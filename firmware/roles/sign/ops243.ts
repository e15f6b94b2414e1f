// OmniPreSense OPS243-A driver: reads its JSON lines (`OJ`, e.g.
// {"speed":0.58,"direction":"inbound","time":105,"tick":135}) and its plain lines (`0.58`,
// `-1.6`, or `"mps",0.58` with unit output on). The radar's unit (`UM` m/s by default, `UK`
// km/h, `US` mph) is a setting; a "unit" field in a line overrides it. Fields are found by a
// small hand scanner instead of JSON.parse: no strings or objects per report on the device,
// and a line that is not flat JSON (two braces, a merged partial line) is rejected.

import { ascii, LineRadar, MAX_RADAR_DKMH, parseDecimal, skipSpaces, spanEquals, trimEnd, type ReportHandler } from "./radar.js";

export type Ops243Units = "UM" | "UK" | "US";

/** tenths of km/h per unit of the radar's output */
const DKMH_PER: Record<Ops243Units, number> = { UM: 36, UK: 10, US: 16.09344 };

const OPEN = 0x7b;
const CLOSE = 0x7d;
const QUOTE = 0x22;
const COLON = 0x3a;
const COMMA = 0x2c;

const KEY_SPEED = ascii('"speed"');
const KEY_DIRECTION = ascii('"direction"');
const KEY_UNIT = ascii('"unit"');
const INBOUND = ascii("inbound");
const OUTBOUND = ascii("outbound");
const UNIT_NAMES: readonly [Uint8Array, Ops243Units][] = [
  [ascii("mps"), "UM"], [ascii("m/s"), "UM"], [ascii("kmph"), "UK"], [ascii("kph"), "UK"],
  [ascii("km/h"), "UK"], [ascii("mph"), "US"],
];

/** a value's span inside a line: [start, end) */
interface Span {
  start: number;
  end: number;
}

export class Ops243 extends LineRadar {
  /** reused for every field lookup, so scanning allocates nothing */
  private readonly span: Span = { start: 0, end: 0 };

  constructor(
    private readonly units: Ops243Units,
    onReport: ReportHandler,
    /** true where the radar is set to report approaching targets as negative */
    invert = false,
  ) {
    super(onReport, invert);
  }

  protected line(line: Uint8Array, start: number, end: number): void {
    if (line[start] === OPEN) this.jsonLine(line, start, end);
    else this.plainLine(line, start, end);
  }

  private jsonLine(line: Uint8Array, start: number, end: number): void {
    if (line[end - 1] !== CLOSE || count(line, start, end, OPEN) !== 1 || count(line, start, end, CLOSE) !== 1) {
      this.tally.errors++;
      return;
    }
    const hasSpeed = findValue(line, start, end, KEY_SPEED, this.span);
    if (hasSpeed === Field.absent) {
      this.tally.ignored++;
      return;
    }
    if (hasSpeed === Field.malformed) return this.fail();
    let speed = parseDecimal(line, this.span.start, this.span.end);
    let units = this.units;
    const hasUnit = findValue(line, start, end, KEY_UNIT, this.span);
    if (hasUnit === Field.malformed) return this.fail();
    if (hasUnit === Field.found) {
      const named = unitNamed(line, this.span);
      if (named === undefined) return this.fail();
      units = named;
    }
    const hasDirection = findValue(line, start, end, KEY_DIRECTION, this.span);
    if (hasDirection === Field.malformed) return this.fail();
    if (hasDirection === Field.found) {
      if (spanEquals(line, this.span.start, this.span.end, INBOUND)) speed = Math.abs(speed);
      else if (spanEquals(line, this.span.start, this.span.end, OUTBOUND)) speed = -Math.abs(speed);
      else return this.fail();
    }
    this.emit(speed, units);
  }

  private plainLine(line: Uint8Array, start: number, end: number): void {
    let units = this.units;
    if (line[start] === QUOTE) {
      const close = indexOf(line, start + 1, end, QUOTE);
      if (close < 0 || line[close + 1] !== COMMA) return this.fail();
      this.span.start = start + 1;
      this.span.end = close;
      const named = unitNamed(line, this.span);
      if (named === undefined) return this.fail();
      units = named;
      start = skipSpaces(line, close + 2, end);
    }
    this.emit(parseDecimal(line, start, end), units);
  }

  private emit(speed: number, units: Ops243Units): void {
    const dkmh = Math.round(speed * DKMH_PER[units]);
    if (!(Math.abs(dkmh) <= MAX_RADAR_DKMH)) return this.fail();
    this.report(dkmh);
  }

  private fail(): void {
    this.tally.errors++;
  }
}

function count(line: Uint8Array, start: number, end: number, byte: number): number {
  let n = 0;
  for (let i = start; i < end; i++) if (line[i] === byte) n++;
  return n;
}

function indexOf(line: Uint8Array, start: number, end: number, byte: number): number {
  for (let i = start; i < end; i++) if (line[i] === byte) return i;
  return -1;
}

function unitNamed(line: Uint8Array, span: Span): Ops243Units | undefined {
  for (const [name, units] of UNIT_NAMES) if (spanEquals(line, span.start, span.end, name)) return units;
  return undefined;
}

const Field = { absent: 0, found: 1, malformed: 2 } as const;
type FieldResult = (typeof Field)[keyof typeof Field];

/**
 * Finds `key: value` in a flat JSON line and puts the value's span (quotes stripped) in `out`.
 * A bare value ends at a comma or the closing brace.
 */
function findValue(line: Uint8Array, start: number, end: number, key: Uint8Array, out: Span): FieldResult {
  const at = indexOfKey(line, start, end, key);
  if (at < 0) return Field.absent;
  let i = skipSpaces(line, at + key.length, end);
  if (line[i] !== COLON) return Field.malformed;
  i = skipSpaces(line, i + 1, end);
  if (line[i] === QUOTE) {
    const close = indexOf(line, i + 1, end, QUOTE);
    if (close < 0) return Field.malformed;
    out.start = i + 1;
    out.end = close;
    return Field.found;
  }
  let stop = i;
  while (stop < end && line[stop] !== COMMA && line[stop] !== CLOSE) stop++;
  out.start = i;
  out.end = trimEnd(line, i, stop);
  return Field.found;
}

function indexOfKey(line: Uint8Array, start: number, end: number, key: Uint8Array): number {
  const last = end - key.length;
  for (let i = start; i <= last; i++) {
    let j = 0;
    while (j < key.length && line[i + j] === key[j]) j++;
    if (j === key.length) return i;
  }
  return -1;
}
