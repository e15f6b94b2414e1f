// Tables of the per-role benches: air efficiency and firmware cost on XS.
import type { AirFigures } from "./air.js";
import type { FirmwareCost } from "./firmware-cost.js";

// by hand: once XS has loaded, SES has tamed toLocaleString in this process
const n = (x: number): string => String(x).replace(/\B(?=(\d{3})+(?!\d))/g, ",");

export function airTable(rows: AirFigures[]): string {
  return [
    "| role | message | frames | bytes (mean / max) | as JSON | as Cayenne LPP in LoRaWAN | LPP cannot carry | ms on air SF7 / SF10 / SF12 | reports/h at 1 % SF7 / SF10 / SF12 |",
    "|---|---|---|---|---|---|---|---|---|",
    ...rows.map((r) => `| ${r.role} | ${r.type} | ${r.frames} | ${r.meanBytes} / ${r.maxBytes}${r.fitsBudget ? "" : " (over 51)"} | ${r.jsonBytes} | ${r.lppBytes} | ${r.lppCannot.join(", ")} | ${Object.values(r.airtimeMs).join(" / ")} | ${Object.values(r.reportsPerHour).join(" / ")} |`),
  ].join("\n");
}

export function firmwareTable(costs: FirmwareCost[]): string {
  return [
    "| role | XS compute per hour | heap taken from the OS in the hour / in all | peak heap slots | live slots after GC | frames sent per hour |",
    "|---|---|---|---|---|---|",
    ...costs.map((c) => `| ${c.role} | ${n(c.computePerHour)} | ${n(c.allocatedInHourBytes)} B / ${(c.allocatedBytes / 2 ** 20).toFixed(1)} MiB | ${n(c.peakHeapSlots)} | ${n(c.liveHeapSlots)} | ${c.framesPerHour} |`),
  ].join("\n");
}
