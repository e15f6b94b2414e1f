// The loop role's settings: flat provisioned keys (documented in role.ts) read into one
// checked configuration. A bad value is refused with a reason, never half-applied.

import type { Settings } from "../role.js";

/** The sensitivity steps of commercial detectors, in units of 0.01 % ΔL/L (DOMAIN.md). */
export const SENSITIVITY_STEPS: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 128];
export const INTERVALS_S: readonly number[] = [20, 30, 60];
export const MAX_LOOPS = 4;
export const MAX_LANE = 7;

export interface LaneConfig {
  lane: number;
  /** loop indexes in the direction of travel: one (single loop) or two (speed trap) */
  loops: number[];
}

export interface LoopConfig {
  loops: number;
  lanes: LaneConfig[];
  spacingM: number;
  loopLengthM: number;
  meanLengthM: number;
  /** on threshold as ΔL/L (a fraction) */
  sensitivity: number;
  /** off threshold as a share of the on threshold */
  hysteresis: number;
  gateMs: number;
  intervalS: number;
  /** length-class bin edges in metres, ascending; classes = edges + 1 */
  classEdgesM: number[];
  maxPresenceMs: number;
  fMinHz: number;
  fMaxHz: number;
  chatterPerS: number;
  trackTauMs: number;
}

interface IntSpec {
  def: number;
  min: number;
  max: number;
  allowed?: readonly number[];
}

const INTS: Readonly<Record<string, IntSpec>> = {
  loops: { def: 2, min: 1, max: MAX_LOOPS },
  spacingCm: { def: 366, min: 100, max: 3000 },
  loopLengthCm: { def: 180, min: 50, max: 1000 },
  meanLengthCm: { def: 500, min: 150, max: 2000 },
  sensitivity: { def: 16, min: 1, max: 128, allowed: SENSITIVITY_STEPS },
  hysteresisPct: { def: 70, min: 30, max: 95 },
  gateMs: { def: 20, min: 10, max: 100 },
  intervalS: { def: 60, min: 20, max: 60, allowed: INTERVALS_S },
  maxPresenceS: { def: 240, min: 10, max: 3600 },
  fMinHz: { def: 10_000, min: 1000, max: 500_000 },
  fMaxHz: { def: 200_000, min: 1000, max: 500_000 },
  chatterPerS: { def: 4, min: 2, max: 16 },
  trackTauS: { def: 60, min: 5, max: 3600 },
};

/** Length bins after TRR 2339 (Weinblatt, Minge, Petersen 2013): motorcycle < 2.1 m (7 ft),
 * short < 6.7 m (22 ft), medium < 11.3 m (37 ft), long < 18.6 m (61 ft), very long beyond. */
export const DEFAULT_CLASS_EDGES_DM = "21,67,113,186";

export type Parsed = { ok: true; config: LoopConfig } | { ok: false; reason: string };

export function parseLoopSettings(settings: Settings): Parsed {
  const ints: Record<string, number> = {};
  for (const key of Object.keys(INTS)) {
    const spec = INTS[key] as IntSpec;
    const value = settings[key] ?? spec.def;
    const bad = checkInt(key, value, spec);
    if (bad) return { ok: false, reason: bad };
    ints[key] = value as number;
  }
  const n = (key: string): number => ints[key] as number;
  if (n("fMinHz") >= n("fMaxHz")) return { ok: false, reason: "fMinHz must be below fMaxHz" };
  const lanes = parseLanes(settings["lanes"] ?? defaultLanes(n("loops")), n("loops"));
  if (typeof lanes === "string") return { ok: false, reason: lanes };
  const edges = parseEdges(settings["classEdgesDm"] ?? DEFAULT_CLASS_EDGES_DM);
  if (typeof edges === "string") return { ok: false, reason: edges };
  return {
    ok: true,
    config: {
      loops: n("loops"),
      lanes,
      spacingM: n("spacingCm") / 100,
      loopLengthM: n("loopLengthCm") / 100,
      meanLengthM: n("meanLengthCm") / 100,
      sensitivity: n("sensitivity") / 10_000,
      hysteresis: n("hysteresisPct") / 100,
      gateMs: n("gateMs"),
      intervalS: n("intervalS"),
      classEdgesM: edges,
      maxPresenceMs: n("maxPresenceS") * 1000,
      fMinHz: n("fMinHz"),
      fMaxHz: n("fMaxHz"),
      chatterPerS: n("chatterPerS"),
      trackTauMs: n("trackTauS") * 1000,
    },
  };
}

function checkInt(key: string, value: unknown, spec: IntSpec): string | undefined {
  if (typeof value !== "number" || !Number.isInteger(value) || value < spec.min || value > spec.max) {
    return `${key} must be an integer in ${spec.min}..${spec.max}`;
  }
  if (spec.allowed && !spec.allowed.includes(value)) return `${key} must be one of ${spec.allowed.join(",")}`;
  return undefined;
}

/** Loops paired in order into speed traps: 2 -> "00", 3 -> "001", 4 -> "0011". */
export function defaultLanes(loops: number): string {
  let lanes = "";
  for (let i = 0; i < loops; i++) lanes += String(Math.floor(i / 2));
  return lanes;
}

/** One lane digit per loop; loops sharing a digit form a trap, lower loop index first (upstream). */
function parseLanes(value: unknown, loops: number): LaneConfig[] | string {
  if (typeof value !== "string" || value.length !== loops) return `lanes must be ${loops} lane digits, one per loop`;
  const lanes: LaneConfig[] = [];
  for (let i = 0; i < loops; i++) {
    const lane = value.charCodeAt(i) - 48;
    if (lane < 0 || lane > MAX_LANE) return `lanes: digit ${i} must be 0..${MAX_LANE}`;
    const existing = lanes.find((l) => l.lane === lane);
    if (!existing) lanes.push({ lane, loops: [i] });
    else if (existing.loops.length < 2) existing.loops.push(i);
    else return `lanes: lane ${lane} has more than two loops`;
  }
  return lanes;
}

function parseEdges(value: unknown): number[] | string {
  if (typeof value !== "string") return "classEdgesDm must be a comma-separated list";
  const parts = value.split(",");
  if (parts.length < 3 || parts.length > 4) return "classEdgesDm needs 3 or 4 edges (4 or 5 classes)";
  const edges: number[] = [];
  for (const part of parts) {
    const dm = Number(part);
    if (!Number.isInteger(dm) || dm < 1 || dm > 300) return "classEdgesDm: each edge is 1..300 dm";
    if (edges.length && dm / 10 <= (edges[edges.length - 1] as number)) return "classEdgesDm must ascend";
    edges.push(dm / 10);
  }
  return edges;
}
