import { EventEmitter } from "node:events";
import type { AnyEnvelope, Envelope } from "../../shared/envelope.js";
import { ProtocolError, type RejectReason } from "../../shared/errors.js";
import { AckResult, DOWNLINK_TYPES } from "../../shared/messages.js";
import { roleSends } from "../../shared/roles/catalog.js";
import type { Logger } from "../log.js";
import { observedMs } from "../normalize/common.js";
import { normalize, type Kind, type Normalized } from "../normalize/index.js";
import { framePublish, type FramePublish } from "../frame-trace.js";
import type { FrameOrigin } from "../ingest/link.js";
import type { Outgoing, Outlet } from "../publish/outlet.js";
import { ThrottledLog } from "../throttled-log.js";
import type { Device, Registry } from "../registry/registry.js";
import type { CommitResult, ReadingRecord, ReplayWindowRow } from "../store/store.js";
import { CommitBatcher } from "./commit-batcher.js";
import { ReplayWindows } from "./replay-window.js";
import { AuthenticFrameError, verifyFrame } from "./verify.js";

/** What became of a frame: accepted, refused for a reason, or not stored (and not acked) because the store failed. */
export type Outcome = "accepted" | "store-failed" | RejectReason;

export const OUTCOMES: readonly Outcome[] = [
  "accepted", "store-failed", "framing", "cbor", "envelope", "version", "unknown-device", "mic", "replay", "range", "type", "role",
];

/** A batch the store could not commit; its frames are not acked, so their devices send them again. */
class StoreFailure extends Error {}

/** An authentic frame to answer: acks go back on the link it came from. */
export interface AckRequest {
  device: Device;
  envelope: AnyEnvelope;
  origin: FrameOrigin;
  result: number;
}

/** An authentic frame: what it said, who sent it, the way it came and when. */
export interface Arrival {
  envelope: AnyEnvelope;
  device: Device;
  origin: FrameOrigin;
  receivedAt: Date;
}

/**
 * A reading stored, acked and published. Of its message only the kind is kept past the publish,
 * and an alarm's whole message (the gateway logs it): a reading's message is garbage once it is
 * serialized, rather than held until the commit ends and promoted with every frame in flight.
 */
export interface Accepted extends Arrival {
  kind: Kind;
  alarm?: Normalized;
}

/** A device's answer to a command (see PipelineOptions.commandResult). */
export interface CommandResultArrival extends Omit<Arrival, "envelope"> {
  envelope: Envelope<"commandResult">;
}

/**
 * What the pipeline needs of the durable store: the commit thread (gateway/store/commit-worker.ts),
 * or a Store itself (gateway/store/store.ts), whose commit holds the event loop.
 */
export interface ReadingStore {
  commit(batch: ReadingRecord[], windows: ReplayWindowRow[]): CommitResult | Promise<CommitResult>;
  loadReplayWindows(): ReplayWindowRow[];
}

interface Candidate {
  /** absent for frames that are not readings: only their replay window is committed */
  record?: ReadingRecord;
  envelope: AnyEnvelope;
}

/**
 * The gateway's path for one frame: verify -> normalize -> publish live + commit -> ack, counting
 * every outcome. A reading goes to the embedded broker's subscribers as soon as it is verified and
 * normalized; it is acknowledged only once it is durably stored, and stored once: the store's
 * unique (device, boot, seq) catches what the replay window cannot see yet, such as the same LoRa
 * packet heard by two bridges within one batch. So history is exactly once and the live topics
 * at least once: a commit that fails (or a gateway killed before it) leaves the reading
 * published but not acked, and the unit's resend is published again and stored.
 */
export interface PipelineOptions {
  batch?: { maxItems?: number; maxDelayMs?: number };
  /** adds gateway knowledge (device health) to a message before it is stored and published */
  decorate?: (message: Normalized, arrival: Arrival) => void;
  /**
   * A device's answer to a command. It is not a reading: neither kept in history nor published
   * as one. Called once its (boot, seq) is committed, before the ack.
   */
  commandResult?: (arrival: CommandResultArrival) => void;
}

/**
 * A frame not accepted: why (a refusal, or the store failing), on which link, and from which
 * unit when the frame was authentic (its MIC held) and refused for something it did.
 */
export interface Rejection {
  reason: Exclude<Outcome, "accepted">;
  source: string;
  deviceId?: number;
}

export class Pipeline extends EventEmitter<{ accepted: [Accepted]; ack: [AckRequest]; rejected: [Rejection] }> {
  readonly counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  readonly windows = new ReplayWindows();
  private readonly batcher: CommitBatcher<Candidate, boolean>;
  /** frames published live whose commit has not ended: a copy heard meanwhile is not published again */
  private readonly live = new Set<string>();
  /** a sick disk or a hostile stream repeats the same line per frame: once per interval with a count */
  private readonly throttled: ThrottledLog;

  constructor(
    private readonly registry: Registry,
    private readonly store: ReadingStore,
    private readonly outlet: Pick<Outlet, "prepare" | "publish" | "queued">,
    private readonly log: Logger,
    private readonly options: PipelineOptions = {},
  ) {
    super();
    this.throttled = new ThrottledLog(log);
    this.windows.load(store.loadReplayWindows());
    this.batcher = new CommitBatcher((items) => this.commit(items), options.batch?.maxItems, options.batch?.maxDelayMs);
  }

  async handleFrame(frame: Uint8Array, origin: FrameOrigin, receivedAt = new Date()): Promise<Outcome> {
    let authentic: Device | undefined;
    try {
      const { envelope, device, verdict } = verifyFrame(frame, this.registry, this.windows, origin.deviceId);
      authentic = device;
      // checked before anything is answered: a gateway's own downlink played back is never acked
      if (DOWNLINK_TYPES.includes(envelope.type)) throw new ProtocolError("type", `${envelope.type} is a downlink; devices do not send it`);
      // authentic, but not this unit's to say (one role's key raising another role's alarms): answered
      // "rejected" so the unit stops resending it, never stored or published
      if (!roleSends(device.role, envelope.type)) {
        this.emit("ack", { device, envelope, origin, result: AckResult.rejected });
        throw new ProtocolError("role", `${envelope.type} is not a message a ${device.role} unit sends (device ${device.id})`);
      }
      if (verdict !== "fresh") {
        this.emit("ack", { device, envelope, origin, result: verdict === "replay" ? AckResult.duplicate : AckResult.rejected });
        throw new ProtocolError("replay", `${verdict} (boot ${envelope.boot}, seq ${envelope.seq}) from device ${device.id}`);
      }
      if (envelope.type === "commandResult") return await this.commandResult({ envelope, device, origin, receivedAt });
      const arrival: Arrival = { envelope, device, origin, receivedAt };
      const { kind, alarm, inserted, published } = this.take(arrival);
      if (!(await inserted)) {
        this.emit("ack", { device, envelope, origin, result: AckResult.duplicate });
        throw new ProtocolError("replay", `duplicate (boot ${envelope.boot}, seq ${envelope.seq}) from device ${device.id} via another path`);
      }
      this.emit("ack", { device, envelope, origin, result: AckResult.ok });
      this.outlet.queued();
      const failed = await published;
      if (failed) throw failed;
      this.counts.accepted++;
      this.log.debug({ source: origin.source, deviceId: device.id, type: envelope.type, boot: envelope.boot, seq: envelope.seq }, "frame accepted");
      this.emit("accepted", { envelope, device, origin, receivedAt, kind, ...(alarm ? { alarm } : {}) });
      return "accepted";
    } catch (err) {
      if (err instanceof StoreFailure) return this.refuse({ reason: "store-failed", source: origin.source });
      if (!(err instanceof ProtocolError)) throw err;
      const deviceId = err instanceof AuthenticFrameError ? err.deviceId : authentic?.id;
      return this.reject(err.reason, err.message, origin.source, frame.length, deviceId);
    }
  }

  /**
   * Normalizes a fresh reading, publishes it and hands it to the batcher, in this turn; what is
   * returned is all that waits for the commit. The message, its serialized body and the record
   * are not kept here: past the batch's hand-over to the store nothing holds them.
   */
  private take(arrival: Arrival): { kind: Kind; alarm?: Normalized; inserted: Promise<boolean>; published: Promise<Error | undefined> } {
    const { envelope, device, receivedAt } = arrival;
    const message = normalize(envelope, device, receivedAt);
    this.options.decorate?.(message, arrival);
    const out = this.outlet.prepare({ site: device.site, device: device.id, kind: message.kind, payload: message.payload, createdAt: receivedAt.getTime() });
    const { inserted, published } = this.publishAndCommit({ envelope, record: toRecord(envelope, device, message, out, receivedAt) }, out);
    return { kind: message.kind, ...(message.kind === "alarm" ? { alarm: message } : {}), inserted, published };
  }

  /**
   * Publishes a reading to the local subscribers at once and commits it beside: `inserted`
   * settles once committed, to whether the commit stored it (false: a copy that came another way
   * was stored); `published` to the publish's error, if any, rather than rejecting, so a commit
   * that fails first leaves no rejection unheard; the ack does not wait for it (a slow
   * subscriber's socket must not hold the units' acks). A copy heard while the first one's commit
   * runs is not published again.
   */
  private publishAndCommit(candidate: Required<Candidate>, out: Outgoing): { inserted: Promise<boolean>; published: Promise<Error | undefined> } {
    const { deviceId, boot, seq } = candidate.record;
    const key = `${deviceId}:${boot}:${seq}`;
    if (this.live.has(key)) return { inserted: this.batcher.add(candidate), published: NOTHING_PUBLISHED };
    this.live.add(key);
    if (framePublish.hasSubscribers) framePublish.publish({ deviceId, boot, seq } satisfies FramePublish);
    const published = this.outlet.publish(out).then(() => undefined, (err: Error) => err);
    return { inserted: this.batcher.add(candidate).finally(() => this.live.delete(key)), published };
  }

  private async commandResult(arrival: CommandResultArrival): Promise<Outcome> {
    const { envelope, device, origin } = arrival;
    await this.batcher.add({ envelope });
    this.options.commandResult?.(arrival);
    this.emit("ack", { device, envelope, origin, result: AckResult.ok });
    this.counts.accepted++;
    return "accepted";
  }

  /** Framing errors come from the links, before there is a frame to verify. */
  reject(reason: RejectReason, message: string, source: string, bytes: number, deviceId?: number): RejectReason {
    const unit = deviceId !== undefined ? { deviceId } : {};
    this.throttled.warn(`${reason}:${source}`, { source, reason, bytes, ...unit }, `frame rejected: ${message}`);
    return this.refuse({ reason, source, ...unit });
  }

  /** Every frame ends up counted under exactly one outcome. */
  private refuse<R extends Rejection>(rejection: R): R["reason"] {
    this.counts[rejection.reason]++;
    this.emit("rejected", rejection);
    return rejection.reason;
  }

  /** Commits whatever is batched now, and waits for it (at shutdown). */
  flush(): Promise<void> {
    return this.batcher.flush();
  }

  /**
   * One transaction for the batch and the replay windows it moves. The in-memory windows move
   * only once it is durable: a resend that arrives meanwhile is taken as fresh and found stored
   * by the next commit (acked duplicate then), never acked duplicate for a commit that may fail.
   */
  private commit(items: Candidate[]): Promise<boolean[]> {
    const rows = this.windows.withRecorded(items.map((i) => i.envelope));
    const records = items.flatMap((i) => (i.record ? [i.record] : []));
    const isReading = items.map((i) => i.record !== undefined);
    let committing: CommitResult | Promise<CommitResult>;
    try {
      committing = this.store.commit(records, rows);
    } catch (err) {
      committing = Promise.reject(err);
    }
    return this.committed(committing, rows, isReading);
  }

  /** Waits for the commit with only what the answers need (the records are the store's now). */
  private async committed(committing: CommitResult | Promise<CommitResult>, rows: ReplayWindowRow[], isReading: boolean[]): Promise<boolean[]> {
    try {
      const { inserted } = await committing;
      this.windows.load(rows);
      let next = 0;
      return isReading.map((reading) => (reading ? inserted[next++] === true : true));
    } catch (err) {
      const message = (err as Error).message;
      this.throttled.error(`commit:${message}`, { err: message, frames: isReading.length }, "store commit failed; frames not acknowledged");
      throw new StoreFailure(message, { cause: err });
    }
  }
}

const NOTHING_PUBLISHED: Promise<Error | undefined> = Promise.resolve(undefined);

function toRecord(envelope: AnyEnvelope, device: Device, message: Normalized, out: Outgoing, receivedAt: Date): ReadingRecord {
  return {
    deviceId: device.id,
    boot: envelope.boot,
    seq: envelope.seq,
    type: envelope.type,
    kind: message.kind,
    topic: out.topic,
    payload: out.body,
    observedAt: observedMs(envelope, receivedAt),
    receivedAt: receivedAt.getTime(),
    alarm: out.alarm,
  };
}
