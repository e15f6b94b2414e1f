import { describe, expect, it } from "vitest";
import { RelayTally } from "../../gateway/commission/relay-tally.js";

const WALL = 1_796_100_000;
const at = (seq: number, timeS: number, boot = 0) => ({ deviceId: 2105, boot, seq, timeS });

describe("RelayTally: how often a unit a bridge hears sends", () => {
  it("has no rate until two frames span a minute; resends do not count", () => {
    const tally = new RelayTally();
    tally.add(at(0, WALL), -108, 45);
    tally.add(at(0, WALL), -108, 45);
    tally.add(at(1, WALL + 30), -108, 45);
    expect(tally.ratesPerHour()).toEqual([]);
    tally.add(at(2, WALL + 60), -108, 45);
    expect(tally.ratesPerHour()).toEqual([120]);
    expect(tally.units.get(2105)!.frames).toBe(4);
  });

  it("starts again at a reboot and at the first ack's clock, which turns seconds since boot into wall time", () => {
    const tally = new RelayTally();
    tally.add(at(0, 5), -108, 45);
    tally.add(at(1, WALL), -108, 45);
    tally.add(at(2, WALL + 50), -108, 45);
    expect(tally.ratesPerHour()).toEqual([]);
    tally.add(at(0, WALL + 100, 1), -108, 45);
    tally.add(at(1, WALL + 150, 1), -108, 45);
    expect(tally.ratesPerHour()).toEqual([]);
  });

  it("keeps counting across an ack that sets the unit's clock back a little", () => {
    // a unit whose clock runs ahead: each ack pulls it back, so its next frame is stamped earlier than its last
    const tally = new RelayTally();
    tally.add(at(1, WALL), -108, 45);
    tally.add(at(2, WALL + 40), -108, 45);
    tally.add(at(3, WALL + 30), -108, 45);
    tally.add(at(4, WALL + 70), -108, 45);
    tally.add(at(5, WALL + 60), -108, 45);
    // spans of 40 s and 40 s, one frame each: 2 frames in 80 s
    expect(tally.ratesPerHour()).toEqual([90]);
  });
});
