// LoRa time on air (Semtech AN1200.13, "LoRa Modem Designer's Guide") and the regulatory
// off-time after a transmission: the budget every frame size decision is made against.

export interface AirtimeParams {
  payloadBytes: number;
  spreadingFactor: number;
  /** Hz, default 125000. */
  bandwidthHz?: number;
  /** 1 means 4/5 ... 4 means 4/8; default 1. */
  codingRate?: number;
  /** Programmed preamble length, default 8. */
  preambleSymbols?: number;
  /** Default true. */
  explicitHeader?: boolean;
  /** Payload CRC, default true. */
  crc?: boolean;
  /** Default: on when the symbol time is 16 ms or more, i.e. SF11/SF12 at 125 kHz. */
  lowDataRateOptimize?: boolean;
}

// The bandwidths an SX127x can be set to.
const BANDWIDTHS_HZ = [7800, 10400, 15600, 20800, 31250, 41700, 62500, 125000, 250000, 500000];

// Semtech radios require low data rate optimisation from this symbol time on.
const LDRO_SYMBOL_MS = 16;

/** Time on air of one LoRa packet, in milliseconds. Throws RangeError on impossible settings. */
export function loraAirtimeMs(p: AirtimeParams): number {
  const sf = p.spreadingFactor;
  const bw = p.bandwidthHz ?? 125000;
  const cr = p.codingRate ?? 1;
  const preamble = p.preambleSymbols ?? 8;
  const pl = p.payloadBytes;
  requireInt("spreadingFactor", sf, 6, 12);
  if (!BANDWIDTHS_HZ.includes(bw)) {
    throw new RangeError(`bandwidthHz must be one of ${BANDWIDTHS_HZ.join(", ")}, got ${bw}`);
  }
  requireInt("codingRate", cr, 1, 4);
  requireInt("payloadBytes", pl, 0, 255);
  requireInt("preambleSymbols", preamble, 0, 65535);

  const symbolMs = (2 ** sf * 1000) / bw;
  const de = (p.lowDataRateOptimize ?? symbolMs >= LDRO_SYMBOL_MS) ? 1 : 0;
  const ih = (p.explicitHeader ?? true) ? 0 : 1;
  const crc = (p.crc ?? true) ? 1 : 0;
  const blocks = Math.ceil((8 * pl - 4 * sf + 28 + 16 * crc - 20 * ih) / (4 * (sf - 2 * de)));
  const payloadSymbols = 8 + Math.max(blocks * (cr + 4), 0);
  return (preamble + 4.25 + payloadSymbols) * symbolMs;
}

/**
 * How long a transmitter must stay silent after a transmission of `airtimeMs` to keep to a duty
 * cycle (e.g. 0.01 for 1 %): on-time / (on-time + off-time) = dutyCycle.
 */
export function dutyCycleWaitMs(airtimeMs: number, dutyCycle: number): number {
  if (!(airtimeMs >= 0) || !Number.isFinite(airtimeMs)) {
    throw new RangeError(`airtimeMs must be a finite number >= 0, got ${airtimeMs}`);
  }
  if (!(dutyCycle > 0 && dutyCycle <= 1)) {
    throw new RangeError(`dutyCycle must be in (0, 1], got ${dutyCycle}`);
  }
  return airtimeMs * (1 / dutyCycle - 1);
}

function requireInt(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${v}`);
  }
}
