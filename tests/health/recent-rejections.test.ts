import { describe, expect, it } from "vitest";
import { RecentRejections } from "../../gateway/health/recent-rejections.js";

describe("RecentRejections", () => {
  it("keeps each authentic unit's latest refused frames, newest first, with counts by reason", () => {
    const r = new RecentRejections();
    r.add({ reason: "replay", source: "/dev/ttyUSB0", deviceId: 7 }, Date.UTC(2026, 10, 30, 1));
    r.add({ reason: "range", source: "/dev/ttyUSB0", deviceId: 7 }, Date.UTC(2026, 10, 30, 2));
    r.add({ reason: "replay", source: "/dev/ttyUSB1", deviceId: 7 }, Date.UTC(2026, 10, 30, 3));
    r.add({ reason: "mic", source: "/dev/ttyUSB0" }); // not authentic: no unit to blame
    expect(r.of(7)).toEqual({
      byReason: { replay: 2, range: 1 },
      recent: [
        { at: "2026-11-30T03:00:00.000Z", reason: "replay", source: "/dev/ttyUSB1" },
        { at: "2026-11-30T02:00:00.000Z", reason: "range", source: "/dev/ttyUSB0" },
        { at: "2026-11-30T01:00:00.000Z", reason: "replay", source: "/dev/ttyUSB0" },
      ],
    });
    expect(r.of(8)).toEqual({ byReason: {}, recent: [] });
  });

  it("keeps at most 50 frames a unit but counts them all", () => {
    const r = new RecentRejections();
    for (let i = 0; i < 120; i++) r.add({ reason: "replay", source: "s", deviceId: 1 }, i * 1000);
    const { byReason, recent } = r.of(1);
    expect(byReason).toEqual({ replay: 120 });
    expect(recent).toHaveLength(50);
    expect(recent[0]!.at).toBe(new Date(119_000).toISOString());
  });
});
