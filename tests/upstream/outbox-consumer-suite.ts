// The abstract suite every upstream sender passes (as aedes tests every persistence with one
// suite): a real SQLite store's outbox, the sender on its own cursor, and the sender's real far
// end given by a harness. Each message carries `n`; the harness reports the n's that arrived.

import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../gateway/log.js";
import { Store } from "../../gateway/store/store.js";
import type { OutboxConsumer, OutboxCursor } from "../../gateway/upstream/consumer.js";
import { waitFor } from "../support/mqtt.js";
import { tempDir } from "../support/temp.js";

export interface ConsumerHarness {
  /** a sender of the kind under test on `cursor`, pointed at this harness's far end */
  create(cursor: OutboxCursor): OutboxConsumer;
  /** the n of every message the far end has received, in arrival order (repeats included) */
  received(): number[];
  /** the far end goes away, and comes back (with whatever it needs to take messages again) */
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
  /** the most messages the sender may send again after a restart (its window or batch) */
  resendBound: number;
  /** message n as the sender's far end understands it; default: a traffic reading carrying `n` */
  message?(n: number): { topic: string; payload: Record<string, unknown> };
}

const log = createLogger("silent");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function defaultMessage(n: number): { topic: string; payload: Record<string, unknown> } {
  return { topic: "pantau/v1/smg-pemuda-01/101/traffic", payload: { id: `urn:ngsi-ld:TrafficFlowObserved:smg-pemuda-01:101:1:${n}`, type: "TrafficFlowObserved", n } };
}

/** Each n once, in order of first arrival. */
function firstSeen(received: number[]): number[] {
  const seen = new Set<number>();
  return received.filter((n) => !seen.has(n) && seen.add(n));
}

export function outboxConsumerSuite(kind: string, makeHarness: () => Promise<ConsumerHarness>): void {
  describe(`outbox consumer: ${kind}`, () => {
    const cleanups: Array<() => unknown> = [];
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    });

    async function rig(names: string[] = [kind]) {
      const file = join(tempDir("pantau-consumer-"), "pantau.db");
      let store = Store.open({ file });
      store.outboxConsumers(names);
      cleanups.push(() => store.close());
      const harness = await makeHarness();
      cleanups.push(() => harness.close());
      const senders: OutboxConsumer[] = [];
      cleanups.push(async () => {
        for (const s of senders) await s.stop();
      });
      const message = harness.message ?? defaultMessage;
      return {
        harness,
        /** message n, committed as the pipeline commits a reading */
        add(n: number): void {
          const now = Date.now();
          const { topic, payload } = message(n);
          store.commit([{
            deviceId: 101, boot: 1, seq: n, type: "loopInterval", kind: topic.slice(topic.lastIndexOf("/") + 1),
            topic, payload: JSON.stringify(payload), observedAt: now, receivedAt: now, alarm: false,
          }]);
        },
        get store() {
          return store;
        },
        start(): OutboxConsumer {
          const sender = harness.create(store.outboxCursor(kind));
          senders.push(sender);
          void sender.start();
          return sender;
        },
        /** closes and reopens the store file, as a gateway restart does */
        reopen(): void {
          store.close();
          store = Store.open({ file });
          store.outboxConsumers(names);
        },
      };
    }

    it("delivers every message in outbox order, and moves its cursor past delivered messages only", async () => {
      const r = await rig();
      for (let n = 0; n < 40; n++) r.add(n);
      const sender = r.start();
      for (let n = 40; n < 80; n++) {
        r.add(n);
        sender.notify();
      }
      await waitFor("all 80", () => new Set(r.harness.received()).size === 80 && r.store.outboxLag(kind) === 0, 15_000);
      expect(firstSeen(r.harness.received())).toEqual(Array.from({ length: 80 }, (_, n) => n));
      expect(r.harness.received()).toHaveLength(80);
      expect(r.store.outboxCursor(kind).position()).toBe(80);
      // its only sender has passed everything: the outbox holds nothing
      expect(r.store.outboxDepth().rows).toBe(0);
    });

    it("resumes from its durable cursor after a restart: nothing lost, in order, few sent twice", async () => {
      const r = await rig();
      for (let n = 0; n < 30; n++) r.add(n);
      const first = r.start();
      await waitFor("some delivered", () => r.harness.received().length >= 10, 15_000);
      await first.stop();
      r.reopen();
      for (let n = 30; n < 60; n++) r.add(n);
      r.start();
      await waitFor("all 60", () => new Set(r.harness.received()).size === 60 && r.store.outboxLag(kind) === 0, 15_000);
      expect(firstSeen(r.harness.received())).toEqual(Array.from({ length: 60 }, (_, n) => n));
      expect(r.harness.received().length - 60).toBeLessThanOrEqual(r.harness.resendBound);
    });

    it("holds the outbox while its far end is away, then delivers in order without a restart", async () => {
      const r = await rig();
      const sender = r.start();
      r.add(0);
      sender.notify();
      await waitFor("the first", () => r.harness.received().includes(0), 15_000);
      await r.harness.cut();
      for (let n = 1; n <= 20; n++) {
        r.add(n);
        sender.notify();
      }
      await sleep(500);
      expect(r.store.outboxLag(kind)).toBe(20);
      expect(new Set(r.harness.received()).size).toBe(1);
      await r.harness.restore();
      await waitFor("all 21", () => new Set(r.harness.received()).size === 21 && r.store.outboxLag(kind) === 0, 20_000);
      expect(firstSeen(r.harness.received())).toEqual(Array.from({ length: 21 }, (_, n) => n));
    });

    it("does not wait for another sender, and the outbox keeps what the other still lags", async () => {
      const r = await rig([kind, "stalled"]);
      for (let n = 0; n < 20; n++) r.add(n);
      r.start();
      await waitFor("all 20", () => r.store.outboxLag(kind) === 0, 15_000);
      expect(firstSeen(r.harness.received())).toEqual(Array.from({ length: 20 }, (_, n) => n));
      expect(r.store.outboxLag("stalled")).toBe(20);
      expect(r.store.outboxDepth().rows).toBe(20);
    });
  });
}
