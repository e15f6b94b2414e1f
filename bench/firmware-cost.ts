// Firmware cost on XS per role: a whole unit (core, role, the demo's physics for its sensors)
// runs on the real XS engine (xsnap) for a simulated hour after a first hour of warm-up, and
// xsnap's meter says what the hour cost: computation steps, bytes taken from the OS for the heap,
// and heap slots in use at the peak and after a full garbage collection. The frames the unit sent
// in both hours are handed back for the air bench.
import { fileURLToPath } from "node:url";
import { allRoles } from "../shared/roles/catalog.js";
import { startXs } from "../tests/xs/harness.js";

const ENTRY = fileURLToPath(new URL("../../bench/xs/unit-entry.ts", import.meta.url));
const HOUR_MS = 3_600_000;
const STEP_MS = 60_000;

export interface FirmwareCost {
  role: string;
  /** XS computation steps (xsnap's "compute" meter) in the measured hour */
  computePerHour: number;
  /** bytes the XS machine took from the OS during the measured hour, and in all by its end */
  allocatedInHourBytes: number;
  allocatedBytes: number;
  /** heap slots in use, the most seen after any minute of the hour */
  peakHeapSlots: number;
  /** heap slots still in use after a full garbage collection at the end of the hour */
  liveHeapSlots: number;
  /** envelope frames the unit sent in the measured hour */
  framesPerHour: number;
}

export interface FirmwareRun {
  costs: FirmwareCost[];
  /** every envelope frame each role's unit sent in both hours, as it went on the line */
  frames: Record<string, Uint8Array[]>;
}

/** `hours` measured hours after one of warm-up (the short bench runs a fraction of one). */
export async function benchFirmwareCost(hourFraction = 1): Promise<FirmwareRun> {
  const costs: FirmwareCost[] = [];
  const frames: Record<string, Uint8Array[]> = {};
  const key = Uint8Array.from({ length: 16 }, (_, i) => 0x30 + i);
  const span = Math.round(HOUR_MS * hourFraction);
  for (const role of allRoles().map((r) => r.name)) {
    const xs = await startXs(ENTRY, { name: `cost-${role}`, meteringLimit: 0 });
    try {
      await xs.call("start", role, key, 7);
      const sent: Uint8Array[] = [];
      for (let t = 0; t < span; t += STEP_MS) sent.push(...(await xs.call<Uint8Array[]>("run", Math.min(STEP_MS, span - t))).value);
      const before = await xs.gc();
      let compute = 0;
      let peak = 0;
      let framesInHour = 0;
      for (let t = 0; t < span; t += STEP_MS) {
        const { value, meter } = await xs.call<Uint8Array[]>("run", Math.min(STEP_MS, span - t));
        compute += meter.compute;
        peak = Math.max(peak, meter.currentHeapCount);
        framesInHour += value.length;
        sent.push(...value);
      }
      const after = await xs.gc();
      costs.push({
        role, computePerHour: Math.round(compute / hourFraction), allocatedInHourBytes: after.allocate - before.allocate, allocatedBytes: after.allocate,
        peakHeapSlots: peak, liveHeapSlots: after.currentHeapCount, framesPerHour: Math.round(framesInHour / hourFraction),
      });
      frames[role] = sent;
    } finally {
      await xs.close();
    }
  }
  return { costs, frames };
}
