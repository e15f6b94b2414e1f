// How far a LoRa link is above the level the receiver can still demodulate.

/**
 * SNR below which an SX127x no longer demodulates, per spreading factor, in dB (Semtech SX1276
 * datasheet, table "LoRa Demodulator SNR": SF7 -7.5 ... SF12 -20, 2.5 dB per step).
 */
export function demodulationFloorDb(spreadingFactor: number): number {
  return -7.5 - 2.5 * (spreadingFactor - 7);
}

/** A unit installed with less margin than this drops out with the first rain fade or parked truck. */
export const LINK_MARGIN_DB = 5;

export function linkMarginDb(snrDb: number, spreadingFactor: number): number {
  return Math.round((snrDb - demodulationFloorDb(spreadingFactor)) * 10) / 10;
}
