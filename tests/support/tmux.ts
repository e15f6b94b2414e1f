// A real pseudo-terminal for checking what a person sees: a command runs in a detached tmux
// session of a fixed size, and the test reads the screen as text.

import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";

/** tmux is required in CI (.ci/run installs it); a developer without it gets a loud skip. */
export const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
if (!hasTmux) {
  if (process.env.CI) throw new Error("tmux is required in CI: .ci/run must apt-get install tmux");
  console.warn("\n*** SKIPPING terminal-view tests: tmux is not installed (apt-get install tmux) ***\n");
}

export interface Terminal {
  /** the visible screen, one string per line, trailing spaces trimmed */
  screen(): string;
  /** the screen with its colour escapes, to check colour is used */
  screenWithColour(): string;
  keys(...keys: string[]): void;
  /** whether the command is still running */
  alive(): boolean;
  close(): void;
}

const SOCKET = `pantau-test-${process.pid}-${randomBytes(3).toString("hex")}`;

function tmux(...args: string[]): string {
  return execFileSync("tmux", ["-L", SOCKET, ...args], { encoding: "utf8" });
}

/** Runs `argv` in a new terminal of `cols` x `rows`; the pane stays open after it exits. */
export function openTerminal(argv: string[], env: Record<string, string> = {}, cols = 120, rows = 40): Terminal {
  const name = `t${randomBytes(4).toString("hex")}`;
  const quoted = argv.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  const exports = Object.entries(env).map(([k, v]) => `${k}='${v.replaceAll("'", "'\\''")}'`).join(" ");
  tmux("new-session", "-d", "-s", name, "-x", String(cols), "-y", String(rows), `env TERM=xterm-256color ${exports} ${quoted}; echo "[exit $?]"; sleep 600`);
  return {
    screen: () => tmux("capture-pane", "-p", "-t", name).split("\n").map((l) => l.trimEnd()).join("\n").trimEnd(),
    screenWithColour: () => tmux("capture-pane", "-p", "-e", "-t", name),
    keys: (...keys) => void tmux("send-keys", "-t", name, ...keys),
    alive: () => !/\[exit \d+\]/.test(tmux("capture-pane", "-p", "-t", name)),
    close: () => {
      spawnSync("tmux", ["-L", SOCKET, "kill-session", "-t", name]);
    },
  };
}

/** Ends this test file's tmux server (every terminal it opened). */
export function closeTerminals(): void {
  spawnSync("tmux", ["-L", SOCKET, "kill-server"]);
}
