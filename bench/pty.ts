// A socat PTY pair: the bench writes frames on one end, the program under test reads the other as
// its serial port. (The bench is built without tests/, so it has its own small copy of this.)
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, openSync } from "node:fs";
import { join } from "node:path";
import { ReadStream } from "node:tty";

export interface Pty {
  /** the program under test opens this one */
  gateway: string;
  /** writes `bytes` on the bench's end and resolves once they were handed to the PTY */
  write(bytes: Buffer): Promise<void>;
  /** bytes the program sent back (acks) */
  received(): number;
  close(): Promise<void>;
}

export async function ptyPair(dir: string, name: string): Promise<Pty> {
  const device = join(dir, `${name}-device`);
  const gateway = join(dir, `${name}-gateway`);
  const child = spawn("socat", [`pty,raw,echo=0,link=${device}`, `pty,raw,echo=0,link=${gateway}`], { stdio: "ignore" });
  const deadline = Date.now() + 5000;
  while (!(existsSync(device) && existsSync(gateway))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error("socat did not create a PTY pair (is socat installed? apt-get install socat)");
    await new Promise((r) => setTimeout(r, 20));
  }
  // The bench's end reads through Node's TTY stream and writes through a file stream, on two
  // descriptors, not the serialport package: its poller watches one direction at a time, so while
  // a large write waits for room it stops reading the acks, the program under test then blocks
  // writing them and stops reading frames, and both ends wait for each other. The writes go
  // through the thread pool: a TTY write stream is blocking, and a write of 65,535 frames would
  // hold this event loop, and so the reading of acks, with the same result.
  const output = createWriteStream(device, { flags: "w" });
  const input = new ReadStream(openSync(device, "r"));
  // read what comes back, or the acks would fill the PTY and stall the program's writes
  let received = 0;
  input.on("data", (chunk: Buffer) => { received += chunk.length; });
  return {
    gateway,
    write: (bytes) => new Promise((resolve, reject) => {
      output.write(bytes, (err) => (err ? reject(err) : resolve()));
    }),
    received: () => received,
    close: async () => {
      input.destroy();
      await new Promise<void>((resolve) => output.end(resolve));
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill();
      });
    },
  };
}
