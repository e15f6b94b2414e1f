// The sign's face. It shows the approaching vehicle's speed; above the limit it adds the
// slow-down message, above limit + margin the digits flash, and above a maximum it shows
// nothing, so the sign never rewards racing. In spy mode it stays dark while the radar keeps
// counting. The display board listens on the "display" serial port for ASCII commands, each
// ended by LF:
//   B          blank everything
//   Snnn       show nnn km/h steady (3 digits)
//   Fnnn       show nnn km/h flashing
//   M<text>    message line (M alone clears it)
//   T          test: every part lit, then each alone; the board's driver answers `T` and one
//              character per part of DISPLAY_TEST_PARTS, '1' lit or '0' faulted (open or shorted)
// A change of state is one write: `B\n`, or a speed command followed by a message command.

export interface DisplayConfig {
  limitKmh: number;
  flashMarginKmh: number;
  /** above this nothing is shown */
  blankAboveKmh: number;
  spyMode: boolean;
  /** printable ASCII, at most MAX_MESSAGE characters */
  message: string;
}

/** spy: dark by design; idle: no target; speed: showing one; withheld: target above the maximum */
export type DisplayMode = "spy" | "idle" | "speed" | "withheld";

export interface DisplayState {
  mode: DisplayMode;
  /** the speed on the digits (0 unless mode is "speed") */
  speedKmh: number;
  flashing: boolean;
  /** the message line ("" when off) */
  message: string;
}

import type { RoleTestResult } from "../role.js";

export { MAX_MESSAGE } from "../../../shared/roles/sign.js";

/** the parts the board's test answers for, in its answer's order */
export const DISPLAY_TEST_PARTS = ["digit 1", "digit 2", "digit 3", "message line"] as const;

const LF = 0x0a;
const TEST = Uint8Array.of(0x54, LF);

/** Reads the board's answer to TEST: undefined when the line is not one. */
export function readTestAnswer(line: Uint8Array, length: number): RoleTestResult | undefined {
  if (line[0] !== 0x54 || length !== 1 + DISPLAY_TEST_PARTS.length) return undefined;
  const dead: string[] = [];
  for (let i = 0; i < DISPLAY_TEST_PARTS.length; i++) {
    const flag = line[1 + i];
    if (flag !== 0x30 && flag !== 0x31) return undefined;
    if (flag === 0x30) dead.push(DISPLAY_TEST_PARTS[i] as string);
  }
  return dead.length
    ? { pass: false, found: `the board's driver reports ${dead.join(", ")} faulted (open or shorted segments)` }
    : { pass: true, found: `all ${DISPLAY_TEST_PARTS.length} parts lit (${DISPLAY_TEST_PARTS.join(", ")})` };
}

export class DisplayController {
  private readonly state: DisplayState = { mode: "idle", speedKmh: 0, flashing: false, message: "" };
  private started = false;

  constructor(private readonly write: (bytes: Uint8Array) => void, private config: DisplayConfig) {}

  /** the display's state as last written */
  get current(): Readonly<DisplayState> {
    return this.state;
  }

  /** Starts the board's test pattern; what it showed is written again by the next show(). */
  test(): void {
    this.started = false;
    this.write(TEST);
  }

  reconfigure(config: DisplayConfig): void {
    this.config = config;
  }

  /** what to show for the current target; 0 means none */
  show(targetDkmh: number): void {
    const { limitKmh, flashMarginKmh, blankAboveKmh, spyMode, message } = this.config;
    const kmh = Math.round(targetDkmh / 10);
    let mode: DisplayMode = "speed";
    if (spyMode) mode = "spy";
    else if (kmh <= 0) mode = "idle";
    else if (kmh > blankAboveKmh) mode = "withheld";
    const showing = mode === "speed";
    this.set(mode, showing ? kmh : 0, showing && kmh > limitKmh + flashMarginKmh, showing && kmh > limitKmh ? message : "");
  }

  private set(mode: DisplayMode, speedKmh: number, flashing: boolean, message: string): void {
    const s = this.state;
    // idle, withheld and spy all look the same: blank
    const sameLook = s.speedKmh === speedKmh && s.flashing === flashing && s.message === message && (s.mode === "speed") === (mode === "speed");
    s.mode = mode;
    if (sameLook && this.started) return;
    this.started = true;
    s.speedKmh = speedKmh;
    s.flashing = flashing;
    s.message = message;
    this.write(mode === "speed" ? speedCommand(speedKmh, flashing, message) : BLANK);
  }
}

const BLANK = Uint8Array.of(0x42, LF);

function speedCommand(kmh: number, flashing: boolean, message: string): Uint8Array {
  const digits = Math.min(999, kmh);
  const out = new Uint8Array(5 + 2 + message.length);
  out[0] = flashing ? 0x46 : 0x53;
  out[1] = 0x30 + Math.floor(digits / 100);
  out[2] = 0x30 + (Math.floor(digits / 10) % 10);
  out[3] = 0x30 + (digits % 10);
  out[4] = LF;
  out[5] = 0x4d;
  for (let i = 0; i < message.length; i++) out[6 + i] = message.charCodeAt(i) & 0x7f;
  out[out.length - 1] = LF;
  return out;
}
