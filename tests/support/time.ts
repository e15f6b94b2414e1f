/** The instant tests start their clocks at: 2026-11-23 03:00 UTC (10:00 in Semarang). */
export const T0 = Date.UTC(2026, 10, 23, 3, 0, 0);
export const MINUTE = 60_000;
export const DAY = 86_400_000;
