// Analog pressure transducer (a submersible 4-wire gauge, e.g. 0-5 m of water over 0.5-4.5 V)
// read through the ADC. The reading is a fraction of the ADC's full scale, which the board's
// divider maps to `fullScaleMv` at the sensor. A live-zero output (0.5 V at no water) tells a
// broken wire (near 0 V) from an empty channel; such readings are NaN, not a depth.

export interface PressureConfig {
  /** sensor volts at a full-scale ADC reading, in mV */
  fullScaleMv: number;
  /** output at zero depth, mV */
  zeroMv: number;
  /** output change over the sensor's range, mV */
  spanMv: number;
  /** depth of water at zero + span, mm */
  rangeMm: number;
}

/** how far outside its range (as a share of the span) a reading is still believed */
const TOLERANCE = 0.05;

/** depth of water over the sensor in mm, or NaN for a reading outside the sensor's output range */
export function pressureDepthMm(reading: { value: number; max: number }, c: PressureConfig): number {
  if (!(reading.max > 0)) return NaN;
  const mv = (reading.value / reading.max) * c.fullScaleMv;
  const share = (mv - c.zeroMv) / c.spanMv;
  if (share < -TOLERANCE || share > 1 + TOLERANCE) return NaN;
  return Math.max(0, share) * c.rangeMm;
}
