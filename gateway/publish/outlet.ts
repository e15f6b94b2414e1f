import { CommitBatcher } from "../pipeline/commit-batcher.js";
import type { Store } from "../store/store.js";
import { topicFor, type Publisher } from "./publisher.js";

/** Something the gateway says about a device: a reading, a status, an alarm, a command result. */
export interface OutletMessage {
  site: string;
  /** a unit's id, or the device level a command named when no such unit exists */
  device: number | string;
  /** the topic's last levels: an output kind (a role's own, alarm, status) or command/result */
  kind: string;
  payload: Record<string, unknown>;
  /** epoch ms the message came to be in the gateway: its age in the outbox counts from here */
  createdAt: number;
}

/** A message in its one wire form: the topic, and the payload serialized once. */
export interface Outgoing {
  topic: string;
  body: string;
  /** alarms are kept longest when the outbox must drop */
  alarm: boolean;
  createdAt: number;
}

/** What the outlet needs of the store: a message that is no reading goes into the outbox alone. */
export type OutletStore = Pick<Store, "outboxEnqueue">;

/**
 * The one way out for everything the gateway emits: each message is stored (in the outbox for
 * upstream), published on the embedded broker, and offered to the upstream senders, the same way
 * whoever made it. A reading is stored by the pipeline's commit with its history row, and
 * published live before that commit (the ack waits for it), so the pipeline calls `publish` and,
 * once committed, `queued`; every other message comes in through `emit`.
 */
export class Outlet {
  private readonly queuedListeners: Array<() => void> = [];
  /**
   * What is emitted in one event-loop turn is stored in one transaction: a health tick that finds
   * hundreds of units changed made an fsync per message, holding the event loop (and so every
   * ack) for seconds.
   */
  private readonly batcher: CommitBatcher<Outgoing, number>;

  constructor(
    private readonly store: OutletStore,
    private readonly publisher: Publisher,
  ) {
    this.batcher = new CommitBatcher((outs) =>
      this.store.outboxEnqueue(outs.map((o) => ({ topic: o.topic, payload: o.body, alarm: o.alarm, createdAt: o.createdAt }))));
  }

  prepare(message: OutletMessage): Outgoing {
    return {
      topic: topicFor(message.site, message.device, message.kind),
      body: JSON.stringify(message.payload),
      alarm: message.kind === "alarm",
      createdAt: message.createdAt,
    };
  }

  /**
   * Stores a message (durably, before anything else sees it), then publishes it and offers it
   * upstream. Messages emitted in the same turn are stored together, in the order emitted, at the
   * turn's end; if that commit fails, each of their promises rejects and none is published.
   */
  async emit(message: OutletMessage): Promise<void> {
    const out = this.prepare(message);
    await this.batcher.add(out);
    this.queued();
    return this.publish(out);
  }

  /** Stores what was emitted in this turn now (at shutdown). */
  flush(): Promise<void> {
    return this.batcher.flush();
  }

  /** Publishes a message on the embedded broker, to the local subscribers. */
  publish(out: Outgoing): Promise<void> {
    return this.publisher.publish(out);
  }

  /** The outbox got something new (committed): the upstream senders wake up. */
  queued(): void {
    for (const listener of this.queuedListeners) listener();
  }

  /** Called whenever the outbox got something new (an upstream sender wakes up). */
  onQueued(listener: () => void): void {
    this.queuedListeners.push(listener);
  }
}
