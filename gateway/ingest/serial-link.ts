import { serialPort, type SerialPort } from "./serial-port.js";
import { slipEncode, type SlipDecoder } from "../../shared/slip.js";
import { linkRead, type LinkRead } from "../frame-trace.js";
import type { Logger } from "../log.js";
import { createDeframer, type FrameSink, type Link, type LinkKind, type LinkState } from "./link.js";

export interface SerialLinkOptions {
  path: string;
  baudRate: number;
  kind: LinkKind;
  /** first reopen delay; doubles up to maxBackoffMs while the port stays away */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * One serial port carrying SLIP frames (or, from a LoRa bridge, SLIP relay records). A port that vanishes (unplugged USB, a bridge reset)
 * is reopened with exponential backoff; the deframer is reset so a half frame is never glued
 * to the next one.
 */
export class SerialLink implements Link {
  private current: LinkState = "closed";
  readonly name: string;
  readonly kind: LinkKind;
  private port: SerialPort | undefined;
  private timer: NodeJS.Timeout | undefined;
  private backoff: number;
  private readonly deframer: SlipDecoder;
  private held = false;
  /** frames sent in this turn, written to the port together at its end */
  private outgoing: Uint8Array[] = [];

  constructor(
    private readonly opts: SerialLinkOptions,
    sink: FrameSink,
    private readonly log: Logger,
    private readonly onState: (state: LinkState) => void = () => undefined,
  ) {
    this.name = opts.path;
    this.kind = opts.kind;
    this.backoff = opts.minBackoffMs ?? 500;
    this.deframer = createDeframer(this, sink);
  }

  get state(): LinkState {
    return this.current;
  }

  private set state(next: LinkState) {
    this.current = next;
    this.onState(next);
  }

  start(): void {
    if (this.state === "stopped") return;
    this.state = "opening";
    const port = serialPort(this.opts.path, this.opts.baudRate);
    this.port = port;
    port.on("data", (chunk: Buffer) => {
      if (linkRead.hasSubscribers) linkRead.publish({ source: this.name, bytes: chunk.length } satisfies LinkRead);
      this.deframer.push(chunk);
    });
    if (this.held) port.pause();
    port.on("close", () => this.lost(port, "port closed"));
    port.on("error", (err) => this.log.warn({ port: this.name, err: err.message }, "serial port error"));
    port.open((err) => {
      if (err) return this.lost(port, err.message);
      keepBothWaits(port);
      this.state = "open";
      this.backoff = this.opts.minBackoffMs ?? 500;
      this.log.info({ port: this.name, baudRate: this.opts.baudRate }, "serial port open");
    });
  }

  /**
   * Queues a frame for the port. What is sent in one turn (the acks of one commit) goes out as
   * one write once the turn's callbacks have run: a port write per ack cost more than the ack.
   */
  send(frame: Uint8Array): boolean {
    if (this.state !== "open" || !this.port) return false;
    if (this.outgoing.length === 0) process.nextTick(() => this.flush());
    this.outgoing.push(slipEncode(frame));
    return true;
  }

  private flush(): void {
    const frames = this.outgoing;
    this.outgoing = [];
    // a port lost meanwhile takes its frames with it, as its own buffer would have
    if (this.state === "open" && this.port) this.port.write(Buffer.concat(frames));
  }

  hold(on: boolean): void {
    this.held = on;
    if (on) this.port?.pause();
    else this.port?.resume();
  }

  async stop(): Promise<void> {
    this.state = "stopped";
    clearTimeout(this.timer);
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private lost(port: SerialPort, why: string): void {
    if (this.state === "stopped" || port !== this.port) return;
    port.removeAllListeners("data");
    port.removeAllListeners("close");
    this.port = undefined;
    this.deframer.reset();
    this.state = "closed";
    const delay = this.backoff;
    this.backoff = Math.min(this.backoff * 2, this.opts.maxBackoffMs ?? 30_000);
    this.log.warn({ port: this.name, why, retryInMs: delay }, "serial port unavailable; will reopen");
    this.timer = setTimeout(() => this.start(), delay);
  }
}

/** libuv's poll events (uv.h), as serialport's poller takes them */
const UV_READABLE = 1;
const UV_WRITABLE = 2;

interface Poller {
  poll(events?: number): void;
  listenerCount(event: "readable" | "writable"): number;
}

/**
 * serialport 13's poller (Linux, macOS) starts libuv's poll with only the event just asked for
 * (bindings-cpp poller.cpp passes `events`, not the union it keeps), so a write waiting for room
 * cancels the wait of a read, and a read waiting for data cancels a write's. Behind a PTY (socat,
 * a serial bridge) that stops the link: a read no longer wakes while the far end waits to hand
 * over frames, or answers stay queued once no more frames come. Each poll here keeps the other
 * wait. (Windows has no poller.)
 */
function keepBothWaits(port: SerialPort): void {
  const poller = (port.port as { poller?: Poller } | undefined)?.poller;
  if (!poller) return;
  const poll = poller.poll.bind(poller);
  poller.poll = (events = 0) => {
    const reading = poller.listenerCount("readable") > 0 ? UV_READABLE : 0;
    const writing = poller.listenerCount("writable") > 0 ? UV_WRITABLE : 0;
    poll(events | reading | writing);
  };
}
