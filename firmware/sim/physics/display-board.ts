// The sign's LED display board on its "display" UART (protocol in firmware/roles/sign/display.ts):
// it keeps what it was told to show, and answers a test command after cycling its pattern, with
// a driver that can report a dead digit or the message line, or stay mute (cable or power lost).

import type { SimPlatform } from "../sim-platform.js";
import { DISPLAY_TEST_PARTS } from "../../roles/sign/display.js";

export interface DisplayBoardOptions {
  /** parts whose driver reports a fault: 0..2 the digits from the left, 3 the message line */
  deadParts?: number[];
  /** the board answers nothing */
  mute?: boolean;
}

/** how long the board takes to light everything, then each part alone */
export const BOARD_TEST_MS = 400;

export class DisplayBoardSim {
  /** the last line it was sent, without its LF */
  lastCommand = "";
  tests = 0;
  private line = "";

  constructor(private readonly sim: SimPlatform, private readonly options: DisplayBoardOptions = {}) {
    const peer = sim.serialPeer("display", (bytes) => {
      for (const b of bytes) {
        if (b !== 0x0a) {
          this.line += String.fromCharCode(b);
          continue;
        }
        this.command(this.line, (answer) => peer.deliver(answer));
        this.line = "";
      }
    });
  }

  private command(line: string, answer: (bytes: Uint8Array) => void): void {
    this.lastCommand = line;
    if (line !== "T" || this.options.mute) return;
    this.tests++;
    const dead = this.options.deadParts ?? [];
    let reply = "T";
    for (let part = 0; part < DISPLAY_TEST_PARTS.length; part++) reply += dead.includes(part) ? "0" : "1";
    const bytes = Uint8Array.from([...reply + "\n"].map((c) => c.charCodeAt(0)));
    this.sim.setTimer(() => answer(bytes), BOARD_TEST_MS);
  }
}
