// A busy serial link answering a burst of frames with more bytes than it receives, behind socat's
// PTY pair: its writes wait for room while its reads wait for frames. Neither wait may cancel the
// other (serialport's poller did: answers stayed queued once the frames stopped, or socat, blocked
// handing over frames, never took the answers). Without the fix this failed 2 runs in 4.

import { createWriteStream, openSync } from "node:fs";
import { ReadStream } from "node:tty";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SerialLink } from "../../gateway/ingest/serial-link.js";
import { createLogger } from "../../gateway/log.js";
import { slipEncode } from "../../shared/slip.js";
import { hasSocat, ptyPair, type PtyPair } from "../support/socat.js";
import { waitFor } from "../support/mqtt.js";

const FRAMES = 4000;
/** each frame is answered with this many bytes, ten times its size */
const ANSWER = new Uint8Array(400).fill(0x41);

let pty: PtyPair;
let link: SerialLink;
let received = 0;

beforeAll(async () => {
  pty = await ptyPair();
  link = new SerialLink({ path: pty.gateway, baudRate: 115200, kind: "direct" }, {
    frame: () => {
      received++;
      // a busy gateway: the frames pile up in the PTY while it works
      const until = performance.now() + 0.1;
      while (performance.now() < until);
      link.send(ANSWER);
    },
    reject: () => undefined,
  }, createLogger("silent"));
  link.start();
  await waitFor("serial port open", () => link.state === "open");
});

afterAll(async () => {
  await link?.stop();
  await pty?.close();
});

it.skipIf(!hasSocat)("keeps reading frames while its answers wait for room on the port", async () => {
  // the far end reads every answer, and writes from the thread pool so its reads go on meanwhile
  const answers = new ReadStream(openSync(pty.device, "r"));
  let answered = 0;
  answers.on("data", (chunk: Buffer) => { answered += chunk.length; });
  const frames = createWriteStream(pty.device, { flags: "w" });
  const burst = Buffer.concat(Array.from({ length: FRAMES }, (_, i) => slipEncode(new Uint8Array(40).fill(i % 200))));
  frames.write(burst);
  try {
    await waitFor("every frame read", () => received === FRAMES, 20_000);
    await waitFor("every answer taken", () => answered >= FRAMES * ANSWER.length, 20_000);
    expect(received).toBe(FRAMES);
  } finally {
    answers.destroy();
    await new Promise<void>((resolve) => frames.end(resolve));
  }
});
