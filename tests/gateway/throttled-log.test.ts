import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { ThrottledLog } from "../../gateway/throttled-log.js";

function capture(): { log: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: "warn" }, sink), lines };
}

describe("ThrottledLog", () => {
  it("writes the first of a run at once, then one line per interval with the count, and ends a quiet run", async () => {
    const { log, lines } = capture();
    const throttled = new ThrottledLog(log, 200);
    for (let i = 0; i < 1000; i++) throttled.error("commit:SQLITE_FULL", { err: "database or disk is full", i }, "store commit failed");
    throttled.warn("other", {}, "something else");
    expect(lines.map((l) => l.msg)).toEqual(["store commit failed", "something else"]);
    await new Promise((r) => setTimeout(r, 300));
    // the summary carries the last repeat's fields
    expect(lines[2]).toMatchObject({ msg: "store commit failed (999 more times in 0.2 s)", repeated: 999, intervalS: 0.2, i: 999 });
    throttled.error("commit:SQLITE_FULL", {}, "store commit failed");
    await new Promise((r) => setTimeout(r, 500));
    // counted into the window the summary opened; that window then closes quietly
    expect(lines.length).toBe(4);
    expect(lines[3]).toMatchObject({ repeated: 1 });
    throttled.error("commit:SQLITE_FULL", {}, "store commit failed");
    expect(lines.length).toBe(5);
    throttled.error("commit:SQLITE_FULL", {}, "store commit failed");
    throttled.flush();
    expect(lines.at(-1)).toMatchObject({ repeated: 1 });
  });
});
