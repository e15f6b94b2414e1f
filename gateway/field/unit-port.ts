// A unit on the technician's serial port: console requests and their answers (MIC-checked once
// the unit has a key), and the envelope frames and relay records it sends meanwhile.

import { EventEmitter } from "node:events";
import { serialPort, type SerialPort } from "../ingest/serial-port.js";
import {
  CONSOLE_MIC_BYTES, CONSOLE_RESPONSE, ConsoleOp, ConsoleStatus, encodeConsoleRequest, parseConsoleResponse, type ConsoleResponse,
} from "../../firmware/core/console-protocol.js";
import { HOST_MAX_FRAME, ENVELOPE_MARKER } from "../../firmware/core/host-port.js";
import { decode } from "../../shared/cbor.js";
import { micMatches, openEnvelope, parseEnvelope, splitFrame, type AnyEnvelope } from "../../shared/envelope.js";
import { decodeRelayUp, RELAY_UP, type RelayUp } from "../../shared/relay.js";
import { slipEncode, SlipDecoder } from "../../shared/slip.js";
import { nodeMac } from "../pipeline/verify.js";
import { CliError } from "../cli/errors.js";

const STATUS_TEXT = Object.fromEntries(Object.entries(ConsoleStatus).map(([k, v]) => [v, k]));
const OP_TEXT = Object.fromEntries(Object.entries(ConsoleOp).map(([k, v]) => [v, k]));

export interface UnitPortEvents {
  /** an envelope frame that verified under `key` */
  envelope: [AnyEnvelope, Uint8Array];
  relay: [RelayUp];
}

/** The answer to a console request that the unit refused. */
export class ConsoleRefused extends CliError {
  constructor(readonly response: ConsoleResponse) {
    super(`the unit refused ${OP_TEXT[response.op] ?? response.op}: ${STATUS_TEXT[response.status] ?? response.status}: ${describe(response.result)}`);
  }
}

function describe(result: unknown): string {
  if (result instanceof Map) return [...result].map(([k, v]) => `${String(k)} ${String(v)}`).join(", ");
  return String(result);
}

export class UnitPort extends EventEmitter<UnitPortEvents> {
  /** the unit's key once known: responses must carry its MIC, envelopes are checked with it */
  key: Uint8Array | undefined;
  private readonly decoder: SlipDecoder;
  private waiting: { op: number; counter: number; resolve: (r: ConsoleResponse) => void; reject: (e: Error) => void } | undefined;

  private constructor(private readonly port: SerialPort, readonly path: string) {
    super();
    this.decoder = new SlipDecoder((frame) => this.frame(frame), () => undefined, HOST_MAX_FRAME);
    port.on("data", (chunk: Buffer) => this.decoder.push(chunk));
  }

  static async open(path: string, baudRate = 115200): Promise<UnitPort> {
    const port = serialPort(path, baudRate);
    try {
      await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    } catch (err) {
      // serialport's bindings put "Error: " at the front of the system's message
      throw new CliError(`cannot open the unit's port ${path}: ${(err as Error).message.replace(/^Error: /, "")}`,
        "check the cable and the path (ls /dev/ttyUSB* /dev/ttyACM*); on Linux your user needs the dialout group");
    }
    return new UnitPort(port, path);
  }

  /** Sends a console request and waits for its answer; signed with `key` when `sign` is set. */
  async request(op: number, counter: number, args: unknown, sign = false, timeoutMs = 3000): Promise<ConsoleResponse> {
    if (this.waiting) throw new Error("one console request at a time");
    if (sign && !this.key) throw new Error("no key to sign with");
    const frame = encodeConsoleRequest({ op, counter, args }, sign ? this.key : undefined);
    const answer = new Promise<ConsoleResponse>((resolve, reject) => {
      this.waiting = { op, counter, resolve, reject };
    });
    const timer = setTimeout(() => this.waiting?.reject(new CliError(
      `the unit on ${this.path} did not answer ${OP_TEXT[op]} within ${timeoutMs / 1000} s`,
      "check that it is powered and running Pantau firmware, and that --baud matches its console",
    )), timeoutMs);
    this.port.write(Buffer.from(slipEncode(frame)));
    try {
      return await answer;
    } finally {
      clearTimeout(timer);
      this.waiting = undefined;
    }
  }

  /** request() that throws unless the unit said ok. */
  async ok(op: number, counter: number, args: unknown, sign = false, timeoutMs?: number): Promise<unknown> {
    const response = await this.request(op, counter, args, sign, timeoutMs);
    if (response.status !== ConsoleStatus.ok) throw new ConsoleRefused(response);
    return response.result;
  }

  /** Sends a frame to the unit as the gateway would (an ack). */
  send(frame: Uint8Array): void {
    this.port.write(Buffer.from(slipEncode(frame)));
  }

  /** Resolves with the first envelope that `accept` takes, or rejects after `timeoutMs`. */
  waitFor(accept: (env: AnyEnvelope) => boolean, timeoutMs: number, what: string): Promise<AnyEnvelope> {
    return new Promise((resolve, reject) => {
      const onEnvelope = (env: AnyEnvelope) => {
        if (!accept(env)) return;
        cleanup();
        resolve(env);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new CliError(`no ${what} from the unit on ${this.path} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.off("envelope", onEnvelope);
      };
      this.on("envelope", onEnvelope);
    });
  }

  async close(): Promise<void> {
    this.waiting?.reject(new Error("port closed"));
    if (this.port.isOpen) await new Promise((resolve) => this.port.close(resolve));
  }

  private frame(frame: Uint8Array): void {
    if (frame[0] === CONSOLE_RESPONSE) return this.response(frame);
    if (frame[0] === ENVELOPE_MARKER) return this.envelope(frame);
    if (frame[0] === RELAY_UP) {
      try {
        this.emit("relay", decodeRelayUp(frame));
      } catch {
        // a damaged record: the unit resends what matters
      }
    }
  }

  private response(frame: Uint8Array): void {
    const waiting = this.waiting;
    if (!waiting) return;
    let response: ConsoleResponse;
    try {
      response = this.key ? parseConsoleResponse(frame, this.key) : readUnverified(frame);
    } catch (err) {
      waiting.reject(new CliError(`the unit's answer does not check out: ${(err as Error).message}`,
        "the unit holds another key than the one used here"));
      return;
    }
    if (response.op === waiting.op && response.counter === waiting.counter) waiting.resolve(response);
    else if (response.op === 255) waiting.reject(new ConsoleRefused(response));
  }

  private envelope(frame: Uint8Array): void {
    if (!this.key) return;
    try {
      const split = splitFrame(frame);
      if (!micMatches(this.key, split, nodeMac)) return;
      this.emit("envelope", openEnvelope(parseEnvelope(decode(split.signed))), frame);
    } catch {
      // not a frame of this unit's
    }
  }
}

/** Without the key, a keyed unit's answer is read but not trusted: its MIC is cut off unchecked. */
function readUnverified(frame: Uint8Array): ConsoleResponse {
  try {
    return parseConsoleResponse(frame);
  } catch {
    return parseConsoleResponse(frame.subarray(0, frame.length - CONSOLE_MIC_BYTES));
  }
}

export const infoFields = (result: unknown): Record<string, unknown> => (result instanceof Map ? Object.fromEntries(result) : {});
