// Fuzzed frames through the gateway's real ingest path, in process: SLIP deframing, envelope
// decode, MIC check, replay windows, role checks, normalize and the durable store, each record
// on a link of its own kind. Every frame must end up counted once in `pantau_frames_total`,
// nothing may crash, and memory must stay flat.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveConfig } from "../../gateway/config.js";
import { Gateway } from "../../gateway/gateway.js";
import { createDeframer, type Link } from "../../gateway/ingest/link.js";
import { createLogger } from "../../gateway/log.js";
import { Registry, type Device } from "../../gateway/registry/registry.js";
import { encode } from "../../shared/cbor.js";
import { computeMic, encodeFrame, type AnyEnvelope } from "../../shared/envelope.js";
import { PROTOCOL_VERSION } from "../../shared/messages.js";
import { BODY_SPECS, MessageType, RoleCode } from "../../shared/roles/catalog.js";
import { SLIP_ESC, slipEncode } from "../../shared/slip.js";
import { mulberry32 } from "../../firmware/sim/random.js";
import { fleet, int, legalBody, reportingRoles } from "./fleet.js";

/** What the fuzzer makes of a frame, and how often (weights). */
const KINDS = {
  valid: 30, replay: 8, bitFlip: 10, truncated: 8, lengthLie: 6, wrongKey: 6, absurd: 8,
  wrongRole: 3, unknownDevice: 3, downlink: 2, badVersion: 2, garbage: 8, badEscape: 3, oversize: 3,
} as const;
export type FuzzKind = keyof typeof KINDS;

export interface FuzzResult {
  frames: number;
  /** frames made of each kind */
  made: Record<string, number>;
  /** pantau_frames_total by outcome at the end */
  counted: Record<string, number>;
  countedTotal: number;
  /** frames the gateway acked (ok, duplicate or rejected answers) */
  acks: number;
  /** errors that escaped the pipeline (logged as "frame handling failed"): must be 0 */
  escaped: number;
  /** the process's resident memory and V8 heap in use, MiB, at start, middle and end */
  rssMiB: Memory;
  heapMiB: Memory;
  seconds: number;
  framesPerSec: number;
}

export interface Memory {
  start: number;
  middle: number;
  end: number;
}

const CHUNK = 2000;

/** A link that is only the gateway's deframer: records go in, acks are counted. */
class FuzzLink implements Link {
  readonly name = "fuzz";
  readonly kind = "direct" as const;
  readonly state = "open" as const;
  acks = 0;
  send(): boolean {
    this.acks++;
    return true;
  }
  async stop(): Promise<void> {}
}

class Fuzzer {
  private readonly seqs = new Map<number, number>();
  private readonly sent: Uint8Array[] = [];
  private readonly weights = Object.entries(KINDS) as [FuzzKind, number][];
  private readonly total = this.weights.reduce((s, [, w]) => s + w, 0);
  private readonly timeS = Math.floor(Date.now() / 1000);
  readonly made: Record<string, number> = {};

  constructor(private readonly rnd: () => number, private readonly devices: Device[]) {}

  /** One SLIP record (a line's worth of bytes between two ENDs). */
  next(): Uint8Array {
    let pick = this.rnd() * this.total;
    let kind: FuzzKind = "valid";
    for (const [k, w] of this.weights) {
      if ((pick -= w) < 0) {
        kind = k;
        break;
      }
    }
    this.made[kind] = (this.made[kind] ?? 0) + 1;
    return this.make(kind);
  }

  private device(): Device {
    return this.devices[int(this.rnd, 0, this.devices.length - 1)]!;
  }

  private envelope(device: Device): AnyEnvelope {
    const seq = this.seqs.get(device.id) ?? 0;
    this.seqs.set(device.id, (seq + 1) & 0xffff);
    const types = [...reportingRoles().find((r) => r.name === device.role)!.messages, "status"];
    const type = types[int(this.rnd, 0, types.length - 1)]!;
    const body = legalBody(type, this.rnd);
    if (type === "status") body.role = RoleCode[device.role]!;
    return { type, deviceId: device.id, boot: 1, seq, timeS: this.timeS + seq, body } as AnyEnvelope;
  }

  /** Signs array bytes of any content, as a unit with `key` would: the MIC holds whatever they say. */
  private signed(fields: unknown[], key: Uint8Array): Uint8Array {
    const signed = encode(fields);
    const frame = new Uint8Array(signed.length + 4);
    frame.set(signed);
    frame.set(computeMic(key, signed), signed.length);
    return frame;
  }

  /** A good frame; `intact` ones go on the line as they are and may be replayed later. */
  private valid(intact = false): Uint8Array {
    const device = this.device();
    const frame = encodeFrame(this.envelope(device), device.keyBytes);
    if (!intact) return frame;
    if (this.sent.length < 10_000) this.sent.push(frame);
    else this.sent[int(this.rnd, 0, this.sent.length - 1)] = frame;
    return frame;
  }

  private make(kind: FuzzKind): Uint8Array {
    const rnd = this.rnd;
    switch (kind) {
      case "valid": return slipEncode(this.valid(true));
      case "replay": return slipEncode(this.sent.length ? this.sent[int(rnd, 0, this.sent.length - 1)]! : this.valid(true));
      case "bitFlip": {
        const f = this.valid().slice();
        for (let n = int(rnd, 1, 3); n > 0; n--) f[int(rnd, 0, f.length - 1)]! ^= 1 << int(rnd, 0, 7);
        return slipEncode(f);
      }
      case "truncated": {
        const f = this.valid();
        return slipEncode(f.subarray(0, int(rnd, 1, f.length - 1)));
      }
      case "lengthLie": {
        // the array or a body map claims more or fewer items than follow, or bytes trail the MIC
        const f = this.valid().slice();
        const at = rnd() < 0.5 ? 0 : f.indexOf(0xa0 + (f[f.length - 5]! & 0x0f), 8);
        if (rnd() < 0.3) return slipEncode(Uint8Array.from([...f, ...f.subarray(0, int(rnd, 1, 8))]));
        f[Math.max(0, at)] = (f[Math.max(0, at)]! & 0xe0) | int(rnd, 0, 23);
        return slipEncode(f);
      }
      case "wrongKey": {
        const device = this.device();
        const other = this.devices.find((d) => d.id !== device.id)!;
        return slipEncode(encodeFrame(this.envelope(device), other.keyBytes));
      }
      case "absurd": {
        // authentic, but a field outside its range, of the wrong kind, or a header beyond 16 bits
        const device = this.device();
        const env = this.envelope(device);
        const specs = BODY_SPECS[env.type]!;
        const wire = new Map<number, unknown>();
        for (const [name, value] of Object.entries(env.body as Record<string, unknown>)) wire.set(specs[name]!.key, value);
        const names = Object.keys(specs);
        const victim = specs[names[int(rnd, 0, names.length - 1)]!]!;
        const absurd = [victim.max + int(rnd, 1, 1e6), victim.min - int(rnd, 1, 1e6), 1.5, "x", -0.25, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17], null, 2 ** 53];
        wire.set(victim.key, absurd[int(rnd, 0, absurd.length - 1)]);
        const seq = rnd() < 0.2 ? 0x1_0000 + env.seq : env.seq;
        return slipEncode(this.signed([PROTOCOL_VERSION, env.deviceId, env.boot, seq, MessageType[env.type], env.timeS, wire], device.keyBytes));
      }
      case "wrongRole": {
        const device = this.device();
        const env = this.envelope(device);
        const foreign = reportingRoles().find((r) => r.name !== device.role)!.messages[0]!;
        return slipEncode(encodeFrame({ ...env, type: foreign, body: legalBody(foreign, rnd) } as AnyEnvelope, device.keyBytes));
      }
      case "unknownDevice": {
        const device = this.device();
        return slipEncode(encodeFrame({ ...this.envelope(device), deviceId: 60_000 + int(rnd, 0, 5000) }, device.keyBytes));
      }
      case "downlink": {
        const device = this.device();
        const env = this.envelope(device);
        return slipEncode(encodeFrame({ ...env, type: "ack", body: { boot: 1, seq: env.seq, timeS: env.timeS, result: 0 } } as AnyEnvelope, device.keyBytes));
      }
      case "badVersion": {
        const device = this.device();
        const env = this.envelope(device);
        return slipEncode(this.signed([int(rnd, 2, 255), env.deviceId, 1, env.seq, MessageType[env.type], env.timeS, new Map()], device.keyBytes));
      }
      case "garbage": return slipEncode(Uint8Array.from({ length: int(rnd, 1, 255) }, () => int(rnd, 0, 255)));
      case "badEscape": {
        // an ESC followed by a byte that is no escape, anywhere inside one record
        const f = slipEncode(this.valid());
        const at = int(rnd, 1, f.length - 1);
        return Uint8Array.from([...f.subarray(0, at), SLIP_ESC, 0x41, ...f.subarray(at)]);
      }
      case "oversize": return slipEncode(Uint8Array.from({ length: int(rnd, 256, 600) }, () => int(rnd, 0, 255)));
    }
  }
}

const rssMiB = (): number => Math.round(process.memoryUsage().rss / 2 ** 20);
const heapMiB = (): number => Math.round(process.memoryUsage().heapUsed / 2 ** 20);

async function countedByOutcome(gateway: Gateway): Promise<Record<string, number>> {
  const metric = await gateway.metrics.registry.getSingleMetric("pantau_frames_total")!.get();
  return Object.fromEntries(metric.values.map((v) => [String(v.labels.result), v.value]));
}

const sum = (counts: Record<string, number>): number => Object.values(counts).reduce((s, n) => s + n, 0);

export async function fuzz(frames: number, seed = 13): Promise<FuzzResult> {
  const dir = mkdtempSync(join(tmpdir(), "pantau-torture-fuzz-"));
  const registry = new Registry(fleet(48, 3000));
  const config = resolveConfig({ mqtt: { port: 0 }, http: { port: 0 }, serial: [], dataDir: join(dir, "data") }, dir);
  const log = createLogger("silent");
  let escaped = 0;
  // the gateway logs what escapes its pipeline at error level; the fuzz counts those
  const error = log.error.bind(log);
  log.error = ((...args: Parameters<typeof log.error>) => {
    escaped++;
    return error(...args);
  }) as typeof log.error;
  const gateway = await Gateway.start(config, registry, log);
  const link = new FuzzLink();
  gateway.addLink(link);
  const deframer = createDeframer(link, gateway);
  const fuzzer = new Fuzzer(mulberry32(seed), registry.all());
  const rss = { start: rssMiB(), middle: 0, end: 0 };
  const heap = { start: heapMiB(), middle: 0, end: 0 };
  const started = performance.now();
  try {
    let pushed = 0;
    while (pushed < frames) {
      const n = Math.min(CHUNK, frames - pushed);
      const records: Uint8Array[] = [];
      for (let i = 0; i < n; i++) records.push(fuzzer.next());
      deframer.push(Buffer.concat(records));
      pushed += n;
      // wait for the pipeline (and its batched commits) to count this chunk before the next
      const deadline = Date.now() + 60_000;
      while (sum(await countedByOutcome(gateway)) + escaped < pushed) {
        if (Date.now() > deadline) throw new Error(`the gateway counted ${sum(await countedByOutcome(gateway))} of ${pushed} frames within 60 s`);
        await new Promise((r) => setTimeout(r, 2));
      }
      if (rss.middle === 0 && pushed >= frames / 2) {
        rss.middle = rssMiB();
        heap.middle = heapMiB();
      }
    }
    const seconds = (performance.now() - started) / 1000;
    rss.end = rssMiB();
    heap.end = heapMiB();
    const counted = await countedByOutcome(gateway);
    return {
      frames, made: fuzzer.made, counted, countedTotal: sum(counted), acks: link.acks, escaped, rssMiB: rss, heapMiB: heap,
      seconds: Number(seconds.toFixed(1)), framesPerSec: Math.round(frames / seconds),
    };
  } finally {
    await gateway.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
