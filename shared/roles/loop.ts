// The loop role: an inductive-loop vehicle detector (firmware/roles/loop/, gateway/roles/loop/).

import type { RoleDescriptor } from "./descriptor.js";

export interface LoopIntervalBody {
  lane: number;
  intervalS: number;
  volume: number;
  occupancyPermille: number;
  speedKmh?: number;
  lengthDm?: number;
  classes: number[];
  headwayDs?: number;
}

declare module "../messages.js" {
  interface BodyByType {
    loopInterval: LoopIntervalBody;
  }
}

/** Integer keys of the loopInterval body, named for readers of hex dumps and the CDDL in docs/protocol.md. */
export const LoopKey = {
  lane: 1, intervalS: 2, volume: 3, occupancyPermille: 4, speedKmh: 5, lengthDm: 6, classes: 7, headwayDs: 8,
} as const;

/** The sensitivity steps of commercial detectors, in units of 0.01 % ΔL/L (DOMAIN.md). */
export const SENSITIVITY_STEPS: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 128];
export const INTERVALS_S: readonly number[] = [20, 30, 60];
export const MAX_LOOPS = 4;
export const MAX_LANE = 7;

export const loop = {
  name: "loop",
  code: 1,
  messages: {
    loopInterval: {
      code: 2,
      fields: {
        lane: { key: LoopKey.lane, min: 0, max: MAX_LANE },
        intervalS: { key: LoopKey.intervalS, min: 10, max: 60 },
        volume: { key: LoopKey.volume, min: 0, max: 255 },
        occupancyPermille: { key: LoopKey.occupancyPermille, min: 0, max: 1000 },
        speedKmh: { key: LoopKey.speedKmh, min: 0, max: 250, optional: true },
        lengthDm: { key: LoopKey.lengthDm, min: 0, max: 255, optional: true },
        classes: { key: LoopKey.classes, min: 0, max: 255, maxItems: 5 },
        headwayDs: { key: LoopKey.headwayDs, min: 0, max: 6000, optional: true },
      },
    },
  },
  // Every key is applied by rebuilding the role (about 1 s blind), so all are live.
  settings: {
    loops: { type: "int", default: 2, min: 1, max: MAX_LOOPS, live: true, doc: "loops, read on inputs loop0..loop3" },
    lanes: {
      type: "text", default: "00", maxLength: MAX_LOOPS, live: true,
      doc: "one lane digit (0-7) per loop; two loops with the same digit are a speed trap, the lower loop upstream (default: loops paired in order)",
    },
    spacingCm: { type: "int", default: 366, min: 100, max: 3000, unit: "cm", live: true, doc: "speed trap leading-edge to leading-edge distance" },
    loopLengthCm: { type: "int", default: 180, min: 50, max: 1000, unit: "cm", live: true, doc: "loop length along the lane" },
    meanLengthCm: { type: "int", default: 500, min: 150, max: 2000, unit: "cm", live: true, doc: "assumed mean vehicle length for single-loop speed" },
    // 0.04 %: a motorcycle changes L by 1–2 % of a car's few percent (DOMAIN.md), about 0.1 % on a
    // 1.8 m loop, so the common 0.16 % misses it; 0.04 % sees it with margin and is the finest step
    // adjacent-lane crosstalk leaves safe (DOMAIN.md)
    sensitivity: {
      type: "int", default: 4, min: 1, max: 128, allowed: SENSITIVITY_STEPS, unit: "0.01 % ΔL/L", live: true, doc: "on threshold",
    },
    laneSensitivity: {
      type: "text", default: "", maxLength: 31, live: true,
      doc: "per-lane sensitivity as lane:step pairs, e.g. \"0:4,1:1\"; below 0.04 % a lane is held at 0.04 % unless its loops lie 5 % or more in frequency from every other loop",
    },
    hysteresisPct: { type: "int", default: 70, min: 30, max: 95, unit: "%", live: true, doc: "off threshold as a share of the on threshold" },
    gateMs: { type: "int", default: 20, min: 10, max: 100, unit: "ms", live: true, doc: "cycle-timer read period" },
    intervalS: {
      type: "int", default: 60, min: 20, max: 60, allowed: INTERVALS_S, unit: "s", live: true, doc: "record interval",
      command: { key: 14, op: "setIntervals" },
    },
    classEdgesDm: {
      type: "text", default: "21,67,113,186", maxLength: 19, live: true,
      doc: "3 or 4 ascending length-bin edges in dm (4 or 5 classes; TRR 2339: motorcycle, short, medium, long, very long)",
    },
    maxPresenceS: { type: "int", default: 240, min: 10, max: 3600, unit: "s", live: true, doc: "presence after which the loop re-tunes and flags stuck presence" },
    fMinHz: { type: "int", default: 10_000, min: 1000, max: 500_000, unit: "Hz", live: true, doc: "oscillator range: outside it for 1 s the loop is open or shorted" },
    fMaxHz: { type: "int", default: 200_000, min: 1000, max: 500_000, unit: "Hz", live: true },
    chatterPerS: { type: "int", default: 4, min: 2, max: 16, live: true, doc: "on-transitions within one second that count as chatter" },
    trackTauS: { type: "int", default: 60, min: 5, max: 3600, unit: "s", live: true, doc: "longest baseline follow time constant while the loop is empty (finer sensitivities use shorter ones)" },
  },
  rules: [
    { keys: ["fMinHz", "fMaxHz"], blame: "fMinHz", says: "fMinHz must be below fMaxHz", holds: (v) => (v.fMinHz as number) < (v.fMaxHz as number) },
  ],
  health: { intervalS: 60, intervalSetting: "intervalS", battery: { lowV: 11.5, recoverV: 11.9 }, offlineSeverity: "warning" },
} as const satisfies RoleDescriptor;
