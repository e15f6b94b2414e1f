// The ordered drain on its own, with a carrier the test drives by hand: which messages are
// handed over, when, and where the cursor may move. The real carriers (Mosquitto for the MQTT
// sender) are in the outbox consumer suite.

import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../gateway/log.js";
import type { OutboxCursor, OutboxItem } from "../../gateway/store/outbox.js";
import { OrderedDrain } from "../../gateway/upstream/ordered-drain.js";
import { waitFor } from "../support/mqtt.js";

const log = createLogger("silent");

/** An outbox of n messages and a cursor that records its commits. */
function outbox(n: number) {
  const items: OutboxItem[] = Array.from({ length: n }, (_, i) => ({ id: i + 1, topic: "t", payload: String(i + 1), alarm: false, createdAt: 0 }));
  const commits: number[] = [];
  let position = 0;
  const cursor: OutboxCursor = {
    read: (after, limit) => items.filter((m) => m.id > after).slice(0, limit),
    commit: (id) => {
      commits.push(id);
      position = id;
    },
    position: () => position,
  };
  return { items, commits, cursor };
}

/** A carrier that holds every hand-over until the test confirms or fails it. */
function carrier() {
  const pending = new Map<number, (err?: Error) => void>();
  const handed: number[] = [];
  return {
    handed,
    pending,
    deliver: (item: OutboxItem, done: (err?: Error) => void) => {
      handed.push(item.id);
      pending.set(item.id, done);
    },
    settle(id: number, err?: Error) {
      const done = pending.get(id)!;
      pending.delete(id);
      done(err);
    },
  };
}

const drains: OrderedDrain[] = [];
afterEach(() => {
  for (const d of drains.splice(0)) d.stop();
});

function drain(cursor: OutboxCursor, c: ReturnType<typeof carrier>, window = 3): OrderedDrain {
  const d = new OrderedDrain(cursor, c.deliver, log, { window, pollMs: 20, retryMs: 50 });
  drains.push(d);
  d.start();
  return d;
}

describe("ordered drain", () => {
  it("hands over at most a window, and nothing while the far end is not ready", async () => {
    const o = outbox(10);
    const c = carrier();
    const d = drain(o.cursor, c);
    await new Promise((r) => setTimeout(r, 60));
    expect(c.handed).toEqual([]);
    d.setReady(true);
    expect(c.handed).toEqual([1, 2, 3]);
    expect(d.stats().inFlight).toBe(3);
    c.settle(1);
    expect(c.handed).toEqual([1, 2, 3, 4]);
  });

  it("keeps 1,000 in flight when no window is given: a window's worth goes out per round trip, and a busy gateway's round trip is long", () => {
    const o = outbox(1200);
    const c = carrier();
    const d = new OrderedDrain(o.cursor, c.deliver, log, { pollMs: 20 });
    drains.push(d);
    d.start();
    d.setReady(true);
    expect(c.handed).toEqual(o.items.slice(0, 1000).map((m) => m.id));
  });

  it("moves the cursor only over a confirmed prefix, whatever order confirmations come in", async () => {
    const o = outbox(5);
    const c = carrier();
    const d = drain(o.cursor, c);
    d.setReady(true);
    c.settle(2);
    c.settle(3);
    await new Promise((r) => setTimeout(r, 60));
    expect(o.commits).toEqual([]);
    c.settle(1);
    await waitFor("commit", () => o.commits.length > 0);
    expect(o.commits).toEqual([3]);
    for (const id of [4, 5]) c.settle(id);
    await waitFor("all", () => o.commits.at(-1) === 5);
    expect(d.stats()).toMatchObject({ forwarded: 5, inFlight: 0 });
  });

  it("after a failure sends the window again from the failed message, keeping the order", async () => {
    const o = outbox(6);
    const c = carrier();
    const d = drain(o.cursor, c);
    d.setReady(true);
    c.settle(1);
    c.settle(2, new Error("refused for now"));
    for (const id of [3, 4, 5, 6]) c.settle(id);
    // 1 is behind the cursor; from 2 on everything goes again once the window has settled and the pause has passed
    await waitFor("resent", () => c.handed.filter((id) => id === 2).length === 2, 2000);
    expect(o.commits).toEqual([1]);
    expect(c.handed.slice(c.handed.lastIndexOf(2))).toEqual([2, 3, 4]);
    expect(d.stats().lastError).toBe("refused for now");
    for (const id of [2, 3, 4]) c.settle(id);
    await waitFor("4 committed", () => o.commits.at(-1) === 4);
  });

  it("starts from the durable position and, when stopped, commits what was confirmed and hands nothing more", async () => {
    const o = outbox(8);
    o.cursor.commit(4);
    const c = carrier();
    const d = drain(o.cursor, c);
    d.setReady(true);
    expect(c.handed).toEqual([5, 6, 7]);
    d.stop();
    c.settle(5);
    c.settle(6);
    expect(c.handed).toEqual([5, 6, 7]);
    d.finish();
    expect(o.commits.at(-1)).toBe(6);
  });
});
