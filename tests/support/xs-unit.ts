// A unit running the real firmware on the XS engine (xsnap) behind a socat PTY, as a technician's
// laptop sees a unit on USB: the tools open the PTY's other end. Its clock follows real time,
// `speed` times faster, so report intervals pass within a test.

import { SerialPort } from "serialport";
import { startXs, type XsSession } from "../xs/harness.js";
import type { SiteOptions } from "../field/fixtures/field-unit-entry.js";
import { ptyPair, type PtyPair } from "./socat.js";

const ENTRY = new URL("../field/fixtures/field-unit-entry.ts", import.meta.url).pathname;
const TICK_MS = 50;

export interface XsUnit {
  /** the path a tool opens, as it would /dev/ttyUSB0 */
  path: string;
  xs: XsSession;
  state(): Promise<Record<string, unknown>>;
  /** cuts the power and restores it (same flash) */
  powerCycle(): Promise<void>;
  /** stops (and restarts) the unit's clock: its timers wait, its console still answers */
  pause(paused: boolean): void;
  /** a factory-fresh unit on another site, on the same port */
  replace(site: SiteOptions): Promise<void>;
  stop(): Promise<void>;
}

export async function startXsUnit(site: SiteOptions, speed = 1): Promise<XsUnit> {
  const pty: PtyPair = await ptyPair();
  const xs = await startXs(ENTRY, { name: `unit-${site.site}` });
  const port = new SerialPort({ path: pty.device, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  // one XS call at a time, in arrival order
  let chain: Promise<unknown> = Promise.resolve();
  const run = <T>(fn: string, ...args: unknown[]): Promise<T> => {
    const next = chain.then(async () => {
      const { value } = await xs.call<T>(fn, ...args);
      if (value instanceof Uint8Array && value.length > 0 && port.isOpen) port.write(Buffer.from(value));
      return value;
    });
    chain = next.catch(() => undefined);
    return next;
  };
  port.on("data", (chunk: Buffer) => void run("deliver", new Uint8Array(chunk)));
  await run("start", site);
  let last = Date.now();
  let ticking = false;
  let paused = false;
  const clock = setInterval(() => {
    if (ticking) return; // a slow XS call: the next tick catches up
    ticking = true;
    const now = Date.now();
    const ms = paused ? 0 : (now - last) * speed;
    last = now;
    run("advance", ms).finally(() => { ticking = false; });
  }, TICK_MS);
  return {
    path: pty.gateway,
    xs,
    state: () => run("state"),
    pause: (p) => { paused = p; },
    powerCycle: async () => void (await run("powerCycle")),
    replace: async (next) => void (await run("start", next)),
    stop: async () => {
      clearInterval(clock);
      await chain;
      if (port.isOpen) await new Promise((resolve) => port.close(resolve));
      await xs.close();
      await pty.close();
    },
  };
}
