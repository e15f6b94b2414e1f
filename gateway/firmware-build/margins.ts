// The device's XS machine sizes against what the firmware was measured to need on the Moddable
// runtime (host.ts): each creation value must leave HEADROOM over the measured figure.

import type { Creation } from "./board.js";
import type { HostRun } from "./host.js";

/** 25 % more than measured. */
export const HEADROOM = 1.25;

export interface Margin {
  what: string;
  unit: string;
  measured: number;
  /** measured × HEADROOM, rounded up */
  needed: number;
  /** what the device build creates its machine with */
  set: number;
  ok: boolean;
}

/**
 * Stack: the high-water mark. Heap slots and chunk bytes: the most seen live after a collection
 * (XS collects when it runs out, so that is what must fit). Keys: those made at run time beyond
 * the ones linked into flash. Chunk bytes come from a 64-bit host, where pointers are twice an
 * ESP32's, so they over-state the device's need.
 */
export function margins(run: HostRun, linkedKeys: number, creation: Creation): Margin[] {
  const end = run.end;
  const figures: [string, string, number, number][] = [
    ["JS stack", "slots", Math.max(run.boot.stack, end.stack), creation.stackSlots],
    ["heap", "slots", Math.max(run.boot.slotsMax, end.slotsMax), creation.heapSlots],
    ["chunks", "bytes", Math.max(run.boot.chunksMax, end.chunksMax), creation.chunkBytes],
    ["keys made at run time", "keys", Math.max(0, end.keys - linkedKeys), creation.keysInitial],
  ];
  return figures.map(([what, unit, measured, set]) => {
    const needed = Math.ceil(measured * HEADROOM);
    return { what, unit, measured, needed, set, ok: set >= needed };
  });
}

export function describeMargins(role: string, list: readonly Margin[]): string {
  return `${role}: ${list.map((m) => `${m.what} ${m.measured} ${m.unit} (set ${m.set}, ${m.measured > 0 ? `+${Math.round((m.set / m.measured - 1) * 100)} %` : "unused"}${m.ok ? "" : `, NEEDS ${m.needed}`})`).join("; ")}`;
}
