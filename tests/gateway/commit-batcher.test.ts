// How frames are grouped into store commits: by default what arrived in one event-loop turn
// commits at its end, so a lone frame never waits for company; a delay above 0 waits that long.
import { describe, expect, it } from "vitest";
import { CommitBatcher } from "../../gateway/pipeline/commit-batcher.js";

function recording(maxItems?: number, maxDelayMs?: number) {
  const batches: number[][] = [];
  const batcher = new CommitBatcher<number, number>((items) => {
    batches.push(items);
    return items.map((i) => i * 10);
  }, maxItems, maxDelayMs);
  return { batches, batcher };
}

describe("CommitBatcher", () => {
  it("commits the frames of one turn together at its end, and a lone frame at once", async () => {
    const { batches, batcher } = recording();
    const together = Promise.all([batcher.add(1), batcher.add(2), batcher.add(3)]);
    expect(batches).toEqual([]);
    expect(await together).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
    const started = performance.now();
    expect(await batcher.add(4)).toBe(40);
    expect(batches).toEqual([[1, 2, 3], [4]]);
    // not a timer's worth: the next turn (generous bound for a loaded machine)
    expect(performance.now() - started).toBeLessThan(50);
  });

  it("commits a full batch at once and the rest in the next", async () => {
    const { batches, batcher } = recording(2);
    const all = Promise.all([1, 2, 3].map((i) => batcher.add(i)));
    expect(batches).toEqual([[1, 2]]);
    await all;
    expect(batches).toEqual([[1, 2], [3]]);
  });

  it("with a delay, waits for it so frames a few ms apart share a commit", async () => {
    const { batches, batcher } = recording(100, 30);
    const first = batcher.add(1);
    await new Promise((r) => setImmediate(r));
    const second = batcher.add(2);
    expect(await Promise.all([first, second])).toEqual([10, 20]);
    expect(batches).toEqual([[1, 2]]);
  });

  it("rejects every frame of a batch whose commit fails", async () => {
    const batcher = new CommitBatcher<number, number>(() => { throw new Error("disk full"); });
    const results = await Promise.allSettled([batcher.add(1), batcher.add(2)]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
  });
});
