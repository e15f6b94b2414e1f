import { SerialPort } from "serialport";
import { decode } from "../../shared/cbor.js";
import { micMatches, openEnvelope, parseEnvelope, splitFrame } from "../../shared/envelope.js";
import { slipEncode, SlipDecoder } from "../../shared/slip.js";
import { keyBytes } from "./fleet.js";
import { SAMPLE_BODIES, ScriptedDevice } from "./device.js";

/**
 * A device on a real serial port that behaves like the firmware's uplink queue: every report
 * stays queued until a MIC-verified ack names it, and is resent until then.
 */
export class StreamingDevice {
  readonly acked = new Map<number, number>();
  private readonly unacked = new Map<number, { frame: Uint8Array; sentAt: number }>();
  private readonly scripted: ScriptedDevice;
  private port: SerialPort | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly id: number, private readonly keyHex: string, boot: number, private readonly resendMs = 400) {
    this.scripted = new ScriptedDevice(id, keyHex);
    this.scripted.boot = boot;
  }

  get boot(): number {
    return this.scripted.boot;
  }

  get pending(): number {
    return this.unacked.size;
  }

  async open(path: string): Promise<void> {
    const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
    await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
    const deframer = new SlipDecoder((frame) => this.onDownlink(frame), () => undefined);
    port.on("data", (chunk: Buffer) => deframer.push(chunk));
    this.port = port;
    this.timer = setInterval(() => this.resend(), this.resendMs / 2);
  }

  /** queues one new report (a traffic record) and sends it */
  report(): number {
    const seq = this.scripted.seq;
    const frame = this.scripted.frame("loopInterval", { ...SAMPLE_BODIES.loopInterval, lane: seq % 2 });
    this.unacked.set(seq, { frame, sentAt: Date.now() });
    this.port?.write(Buffer.from(slipEncode(frame)));
    return seq;
  }

  /** a frame exactly as sent before, e.g. to replay it */
  frameOf(seq: number): Uint8Array {
    const next = this.scripted.seq;
    this.scripted.seq = seq;
    const frame = this.scripted.frame("loopInterval", { ...SAMPLE_BODIES.loopInterval, lane: seq % 2 });
    this.scripted.seq = next;
    return frame;
  }

  write(bytes: Uint8Array): void {
    this.port?.write(Buffer.from(bytes));
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise((r) => port.close(r));
  }

  private resend(): void {
    const now = Date.now();
    for (const item of this.unacked.values()) {
      if (now - item.sentAt < this.resendMs) continue;
      item.sentAt = now;
      this.port?.write(Buffer.from(slipEncode(item.frame)));
    }
  }

  private onDownlink(frame: Uint8Array): void {
    const split = splitFrame(frame);
    const raw = parseEnvelope(decode(split.signed));
    if (raw.deviceId !== this.id || !micMatches(keyBytes(this.keyHex), split)) return;
    const env = openEnvelope(raw);
    if (env.type !== "ack" || env.boot !== this.scripted.boot) return;
    this.unacked.delete(env.seq);
    this.acked.set(env.seq, env.body.result);
  }
}
