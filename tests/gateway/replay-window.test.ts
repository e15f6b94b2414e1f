// The replay windows of a whole fleet live in one slab that grows as units are first heard: each
// unit keeps its own window through every growth, and nothing moves until a commit's rows load.

import { describe, expect, it } from "vitest";
import { MAX_DEVICE_ID } from "../../shared/envelope.js";
import { ReplayWindows, WINDOW } from "../../gateway/pipeline/replay-window.js";

const heard = (windows: ReplayWindows, deviceId: number, boot: number, seq: number) => windows.load(windows.withRecorded([{ deviceId, boot, seq }]));

describe("replay windows", () => {
  it("keeps each unit's window apart while the slab grows to the 16-bit fleet", () => {
    const windows = new ReplayWindows();
    const ids = [1, 2, 1000, 40_000, MAX_DEVICE_ID];
    for (let id = 3; id < 3000; id++) ids.push(id);
    for (const id of ids) heard(windows, id, id % 7, id % 500);
    for (const id of ids) {
      expect(windows.check(id, id % 7, id % 500)).toBe("replay");
      expect(windows.check(id, id % 7, (id % 500) + 1)).toBe("fresh");
      expect(windows.check(id, (id % 7) + 1, 0)).toBe("fresh");
      if (id % 7 > 0) expect(windows.check(id, (id % 7) - 1, 0)).toBe("stale-boot");
    }
    expect(windows.check(3000, 0, 0)).toBe("fresh");
  });

  it("accepts each seq once within the window, refuses older ones, and restarts on a reboot", () => {
    const windows = new ReplayWindows();
    heard(windows, 9, 4, 10);
    heard(windows, 9, 4, 12);
    expect(windows.check(9, 4, 11)).toBe("fresh");
    heard(windows, 9, 4, 11);
    expect([10, 11, 12].map((s) => windows.check(9, 4, s))).toEqual(["replay", "replay", "replay"]);
    heard(windows, 9, 4, 12 + WINDOW);
    expect(windows.check(9, 4, 12)).toBe("too-old");
    expect(windows.check(9, 4, 13)).toBe("fresh");
    expect(windows.check(9, 4, 12 + WINDOW)).toBe("replay");
    heard(windows, 9, 5, 0);
    expect(windows.check(9, 5, 0)).toBe("replay");
    expect(windows.check(9, 5, 1)).toBe("fresh");
    expect(windows.check(9, 4, 13)).toBe("stale-boot");
  });

  it("changes nothing until the rows of a commit load, and restores a unit from its stored row", () => {
    const windows = new ReplayWindows();
    heard(windows, 5, 1, 3);
    const rows = windows.withRecorded([{ deviceId: 5, boot: 1, seq: 4 }, { deviceId: 6, boot: 2, seq: 0 }, { deviceId: 5, boot: 1, seq: 6 }]);
    expect(rows.map(({ deviceId, boot, top }) => ({ deviceId, boot, top }))).toEqual([{ deviceId: 5, boot: 1, top: 6 }, { deviceId: 6, boot: 2, top: 0 }]);
    expect([windows.check(5, 1, 4), windows.check(6, 2, 0)]).toEqual(["fresh", "fresh"]);
    const restarted = new ReplayWindows();
    restarted.load(rows);
    expect([3, 4, 5, 6].map((s) => restarted.check(5, 1, s))).toEqual(["replay", "replay", "fresh", "replay"]);
    expect(restarted.check(6, 2, 0)).toBe("replay");
  });
});
