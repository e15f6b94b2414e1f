import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SerialPort } from "serialport";
import { InFlightLimit } from "../../gateway/ingest/in-flight.js";
import type { FrameSink } from "../../gateway/ingest/link.js";
import { Links } from "../../gateway/ingest/links.js";
import { SerialLink } from "../../gateway/ingest/serial-link.js";
import { createLogger } from "../../gateway/log.js";
import { SAMPLE_BODIES, ScriptedDevice } from "../support/device.js";
import { KEYS } from "../support/fleet.js";
import { waitFor } from "../support/mqtt.js";
import { hasSocat, ptyPair, type PtyPair } from "../support/socat.js";

/** A promise settled from outside, as a frame the pipeline is still working on. */
function pending<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}
const turn = () => new Promise((r) => setImmediate(r));

describe("frames in flight", () => {
  it("holds the links at the high mark, reads again at the low mark, and passes each outcome on", async () => {
    const calls: boolean[] = [];
    const limit = new InFlightLimit({ high: 4, low: 2 }, (on) => calls.push(on));
    const work = Array.from({ length: 4 }, () => pending<string>());
    const tracked = work.map((w) => limit.track(w.promise));
    expect(limit.inFlight).toBe(4);
    expect(calls).toEqual([true]);

    work[0]!.resolve("accepted");
    await expect(tracked[0]).resolves.toBe("accepted");
    await turn();
    expect(calls).toEqual([true]);

    work[1]!.reject(new Error("handler threw"));
    await expect(tracked[1]).rejects.toThrow("handler threw");
    await turn();
    expect(limit.inFlight).toBe(2);
    expect(calls).toEqual([true, false]);

    // below the high mark again: no second hold until it is reached
    limit.track(pending<string>().promise);
    expect(calls).toEqual([true, false]);
    limit.track(pending<string>().promise);
    expect(calls).toEqual([true, false, true]);
  });
});

describe.skipIf(!hasSocat)("a held serial link over a socat PTY", () => {
  let pty: PtyPair;
  let device: SerialPort;
  let links: Links;
  const received: number[] = [];
  const sink: FrameSink = { frame: (frame) => received.push(frame.length), reject: () => undefined };
  const unit = new ScriptedDevice(101, KEYS.loop);
  const write = (bytes: Buffer) => new Promise<void>((res, rej) => device.write(bytes, (e) => (e ? rej(e) : device.drain(() => res()))));

  beforeAll(async () => {
    pty = await ptyPair();
    links = new Links(createLogger("silent"));
    links.start();
    // held before it is added: a link that joins while the gateway catches up starts held
    links.hold(true);
    const link = new SerialLink({ path: pty.gateway, baudRate: 115200, kind: "direct" }, sink, createLogger("silent"));
    links.add(link);
    await waitFor("gateway end open", () => link.state === "open");
    device = new SerialPort({ path: pty.device, baudRate: 115200, autoOpen: false });
    await new Promise<void>((res, rej) => device.open((e) => (e ? rej(e) : res())));
  });

  afterAll(async () => {
    if (device?.isOpen) await new Promise((r) => device.close(r));
    await links?.stop();
    await pty?.close();
  });

  it("reads nothing while held, then every frame written meanwhile, none lost", async () => {
    const frames = Array.from({ length: 200 }, () => Buffer.from(unit.slip("loopInterval", SAMPLE_BODIES.loopInterval)));
    await write(Buffer.concat(frames));
    await new Promise((r) => setTimeout(r, 300));
    expect(received).toEqual([]);

    links.hold(false);
    await waitFor("every frame read", () => received.length === frames.length);

    links.hold(true);
    await write(frames[0]!);
    await new Promise((r) => setTimeout(r, 300));
    expect(received).toHaveLength(frames.length);
    links.hold(false);
    await waitFor("the frame written while held again", () => received.length === frames.length + 1);
  });
});
