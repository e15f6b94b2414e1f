// Per-lane interval aggregation. Each vehicle is attributed to the interval in which its leading
// edge reached the lead loop; occupancy is split at the interval boundary. An interval is closed
// a short settling time after its end (when late edges are in), while the next one is already
// collecting, so two slots are kept: the closing one and the next.

import { encode } from "../../../shared/cbor.js";
import { MIC_BYTES, bodyToWire } from "../../../shared/envelope.js";
import { MAX_AIR_FRAME, PROTOCOL_VERSION } from "../../../shared/messages.js";
import { loop, type LoopIntervalBody } from "../../../shared/roles/loop.js";

export const MAX_CLASSES = 5;

/** Envelope and MIC bytes with every header field at its widest (deviceId, boot, seq 0xffff, time 2^32−1). */
const ENVELOPE_BYTES =
  encode([PROTOCOL_VERSION, 0xffff, 0xffff, 0xffff, loop.messages.loopInterval.code, 0xffffffff, new Map()]).length - 1 + MIC_BYTES;
/** What a record body may take so that its frame fits one LoRa payload whatever the header. */
export const BODY_BUDGET = MAX_AIR_FRAME - ENVELOPE_BYTES;
/** Optional fields given up, in this order, should a body not fit (only at flows beyond saturation). */
const DROP_ORDER = ["headwayDs", "lengthDm", "speedKmh"] as const;

class Slot {
  volume = 0;
  occupiedMs = 0;
  speedSum = 0;
  speeds = 0;
  lengthSum = 0;
  lengths = 0;
  onSum = 0;
  ons = 0;
  headwaySum = 0;
  headways = 0;
  readonly classes = new Uint16Array(MAX_CLASSES);

  constructor(public startMs: number, public endMs: number) {}

  reset(startMs: number, endMs: number): void {
    this.startMs = startMs;
    this.endMs = endMs;
    this.volume = this.occupiedMs = this.speedSum = this.speeds = this.lengthSum = this.lengths = 0;
    this.onSum = this.ons = this.headwaySum = this.headways = 0;
    this.classes.fill(0);
  }

  occupy(fromMs: number, toMs: number): void {
    const ms = Math.min(toMs, this.endMs) - Math.max(fromMs, this.startMs);
    if (ms > 0) this.occupiedMs += ms;
  }
}

export interface IntervalOptions {
  lane: number;
  intervalS: number;
  classCount: number;
  /**
   * Single-loop lanes: the assumed mean vehicle length plus the loop length, so that the
   * interval speed is g · volume / Σ on-time (the classic single-loop estimate).
   */
  gFactorM?: number;
}

export class IntervalAggregator {
  private cur: Slot;
  private next: Slot;
  private lastOnMs = Number.NaN;

  constructor(private readonly options: IntervalOptions, startMs: number) {
    const ms = options.intervalS * 1000;
    this.cur = new Slot(startMs, startMs + ms);
    this.next = new Slot(startMs + ms, startMs + 2 * ms);
  }

  /** end of the interval to be closed next */
  get boundaryMs(): number {
    return this.cur.endMs;
  }

  private slot(tMs: number): Slot {
    return tMs < this.cur.endMs ? this.cur : this.next;
  }

  /** a vehicle's leading edge at the lead loop: volume and headway */
  count(tOnMs: number): void {
    const slot = this.slot(tOnMs);
    slot.volume++;
    if (!Number.isNaN(this.lastOnMs) && tOnMs > this.lastOnMs) {
      slot.headwaySum += tOnMs - this.lastOnMs;
      slot.headways++;
    }
    this.lastOnMs = tOnMs;
  }

  /** time the lead loop was occupied, split between the slots it overlaps */
  occupy(fromMs: number, toMs: number): void {
    this.cur.occupy(fromMs, toMs);
    this.next.occupy(fromMs, toMs);
  }

  onTime(tOnMs: number, onMs: number): void {
    const slot = this.slot(tOnMs);
    slot.onSum += onMs;
    slot.ons++;
  }

  /**
   * a vehicle's measured speed and length (either may be NaN when not measured) and its class; one
   * completed after its interval's record went out (held at most half an interval) is left out:
   * its volume and occupancy went with that record, and the next interval's are not its own
   */
  vehicle(tOnMs: number, speedMps: number, lengthM: number, lengthClass: number): void {
    if (tOnMs < this.cur.startMs) return;
    const slot = this.slot(tOnMs);
    if (!Number.isNaN(speedMps)) {
      slot.speedSum += speedMps;
      slot.speeds++;
    }
    if (!Number.isNaN(lengthM)) {
      slot.lengthSum += lengthM;
      slot.lengths++;
    }
    const bin = Math.min(lengthClass, this.options.classCount - 1);
    slot.classes[bin] = (slot.classes[bin] as number) + 1;
  }

  /** the speed of a vehicle counted earlier without one (NaN-free), while its interval is still open */
  speed(tOnMs: number, speedMps: number): void {
    if (tOnMs < this.cur.startMs) return;
    const slot = this.slot(tOnMs);
    slot.speedSum += speedMps;
    slot.speeds++;
  }

  /**
   * The record of the interval ending at boundaryMs; then the next interval becomes current.
   * occupiedSinceMs: the lead loop's leading edge when a vehicle is on it now (else NaN).
   */
  close(occupiedSinceMs: number): LoopIntervalBody {
    const slot = this.cur;
    if (!Number.isNaN(occupiedSinceMs)) slot.occupy(occupiedSinceMs, slot.endMs);
    const body = this.record(slot);
    this.cur = this.next;
    this.next = slot;
    slot.reset(this.cur.endMs, this.cur.endMs + this.options.intervalS * 1000);
    return body;
  }

  private record(slot: Slot): LoopIntervalBody {
    const intervalMs = this.options.intervalS * 1000;
    const classes: number[] = [];
    for (let i = 0; i < this.options.classCount; i++) classes.push(Math.min(255, slot.classes[i] as number));
    const body: LoopIntervalBody = {
      lane: this.options.lane,
      intervalS: this.options.intervalS,
      volume: Math.min(255, slot.volume),
      occupancyPermille: clampRound((slot.occupiedMs / intervalMs) * 1000, 1000),
      classes,
    };
    const speedMps = this.meanSpeed(slot);
    if (speedMps !== undefined) body.speedKmh = clampRound(speedMps * 3.6, 250);
    if (slot.lengths) body.lengthDm = clampRound((slot.lengthSum / slot.lengths) * 10, 255);
    if (slot.headways) body.headwayDs = clampRound(slot.headwaySum / slot.headways / 100, 6000);
    return fitBudget(body);
  }

  private meanSpeed(slot: Slot): number | undefined {
    if (slot.speeds) return slot.speedSum / slot.speeds;
    const g = this.options.gFactorM;
    if (g !== undefined && slot.ons && slot.onSum > 0) return (g * slot.ons * 1000) / slot.onSum;
    return undefined;
  }
}

function clampRound(value: number, max: number): number {
  return Math.max(0, Math.min(max, Math.round(value)));
}

export function bodyBytes(body: LoopIntervalBody): number {
  return encode(bodyToWire("loopInterval", body)).length;
}

/** Gives up optional fields until the body fits BODY_BUDGET (only at absurd flows). */
export function fitBudget(body: LoopIntervalBody): LoopIntervalBody {
  for (const field of DROP_ORDER) {
    if (bodyBytes(body) <= BODY_BUDGET) break;
    delete body[field];
  }
  return body;
}
