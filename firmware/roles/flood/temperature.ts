// Air temperature for the speed-of-sound correction, from a TMP36 on the ADC
// (500 mV at 0 °C, 10 mV/°C). NaN outside the part's -40..125 °C: a loose wire, not weather.

/** temperature in tenths of °C, or NaN */
export function tmp36Dc(reading: { value: number; max: number }, fullScaleMv: number): number {
  if (!(reading.max > 0)) return NaN;
  const mv = (reading.value / reading.max) * fullScaleMv;
  const dc = Math.round(mv - 500);
  return dc >= -400 && dc <= 1250 ? dc : NaN;
}
