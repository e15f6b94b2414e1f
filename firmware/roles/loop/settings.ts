// The loop role's settings (declared in shared/roles/loop.ts) read into one checked
// configuration. A bad value is refused with a reason, never half-applied.

import { MAX_LANE, SENSITIVITY_STEPS, loop } from "../../../shared/roles/loop.js";
import { brokenRule, checkSetting } from "../../../shared/settings.js";
import type { Settings } from "../role.js";

export interface LaneConfig {
  lane: number;
  /** loop indexes in the direction of travel: one (single loop) or two (speed trap) */
  loops: number[];
  /** on threshold as ΔL/L: laneSensitivity's entry for the lane, or sensitivity */
  sensitivity: number;
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

/** Length bins after TRR 2339 (Weinblatt, Minge, Petersen 2013): motorcycle < 2.1 m (7 ft),
 * short < 6.7 m (22 ft), medium < 11.3 m (37 ft), long < 18.6 m (61 ft), very long beyond. */
export const DEFAULT_CLASS_EDGES_DM = loop.settings.classEdgesDm.default;

const INT_KEYS = Object.keys(loop.settings).filter((key) => loop.settings[key as keyof typeof loop.settings].type === "int");

export type Parsed = { ok: true; config: LoopConfig } | { ok: false; reason: string };

export function parseLoopSettings(settings: Settings): Parsed {
  const ints: Record<string, number> = {};
  for (const key of INT_KEYS) {
    const spec = loop.settings[key as keyof typeof loop.settings];
    const value = settings[key] ?? spec.default;
    const bad = checkSetting(key, spec, value);
    if (bad) return { ok: false, reason: bad };
    ints[key] = value as number;
  }
  const n = (key: string): number => ints[key] as number;
  const broken = brokenRule(loop.rules, ints);
  if (broken) return { ok: false, reason: broken.says };
  const lanes = parseLanes(settings["lanes"] ?? defaultLanes(n("loops")), n("loops"), n("sensitivity") / 10_000);
  if (typeof lanes === "string") return { ok: false, reason: lanes };
  const perLane = parseLaneSensitivity(settings["laneSensitivity"] ?? "", lanes);
  if (perLane) return { ok: false, reason: perLane };
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

/** Loops paired in order into speed traps: 2 -> "00", 3 -> "001", 4 -> "0011". */
export function defaultLanes(loops: number): string {
  let lanes = "";
  for (let i = 0; i < loops; i++) lanes += String(Math.floor(i / 2));
  return lanes;
}

/** One lane digit per loop; loops sharing a digit form a trap, lower loop index first (upstream). */
function parseLanes(value: unknown, loops: number, sensitivity: number): LaneConfig[] | string {
  if (typeof value !== "string" || value.length !== loops) return `lanes must be ${loops} lane digits, one per loop`;
  const lanes: LaneConfig[] = [];
  for (let i = 0; i < loops; i++) {
    const lane = value.charCodeAt(i) - 48;
    if (lane < 0 || lane > MAX_LANE) return `lanes: digit ${i} must be 0..${MAX_LANE}`;
    const existing = lanes.find((l) => l.lane === lane);
    if (!existing) lanes.push({ lane, loops: [i], sensitivity });
    else if (existing.loops.length < 2) existing.loops.push(i);
    else return `lanes: lane ${lane} has more than two loops`;
  }
  return lanes;
}

/** "lane:step" pairs, comma-separated (e.g. "0:4,1:1"); each lane once and configured. Sets each lane's sensitivity. */
function parseLaneSensitivity(value: unknown, lanes: LaneConfig[]): string | undefined {
  if (typeof value !== "string") return "laneSensitivity must be lane:step pairs, e.g. \"0:4,1:1\"";
  if (value === "") return undefined;
  const seen: number[] = [];
  for (const pair of value.split(",")) {
    const [laneText, stepText] = pair.split(":");
    const lane = lanes.find((l) => String(l.lane) === laneText);
    const step = Number(stepText);
    if (!lane || seen.includes(lane.lane)) return `laneSensitivity: "${pair}" names no configured lane, or one twice`;
    if (!SENSITIVITY_STEPS.includes(step)) return `laneSensitivity: the step in "${pair}" must be one of ${SENSITIVITY_STEPS.join(",")}`;
    lane.sensitivity = step / 10_000;
    seen.push(lane.lane);
  }
  return undefined;
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
