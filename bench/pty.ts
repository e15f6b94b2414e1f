// A socat PTY pair: the bench writes frames on one end, the program under test reads the other as
// its serial port. (The bench is built without tests/, so it has its own small copy of this.)
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { SerialPort } from "serialport";

export interface Pty {
  /** the program under test opens this one */
  gateway: string;
  /** the bench's end, open */
  port: SerialPort;
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
  const port = new SerialPort({ path: device, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  // read what comes back, or the acks would fill the PTY and stall the gateway's writes
  let received = 0;
  port.on("data", (chunk: Buffer) => { received += chunk.length; });
  return {
    gateway, port,
    received: () => received,
    close: async () => {
      if (port.isOpen) await new Promise((r) => port.close(r));
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill();
      });
    },
  };
}

/** Writes `bytes` and resolves with the time the write drained to the PTY. */
export function write(port: SerialPort, bytes: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    port.write(bytes, (err) => (err ? reject(err) : port.drain((e) => (e ? reject(e) : resolve(performance.now())))));
  });
}
