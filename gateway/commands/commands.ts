import type { Aedes, AedesPublishPacket } from "aedes";
import type { Envelope } from "../../shared/envelope.js";
import type { Logger } from "../log.js";
import type { FrameOrigin } from "../ingest/link.js";
import type { Outlet } from "../publish/outlet.js";
import { TOPIC_ROOT } from "../publish/publisher.js";
import type { Device, Registry } from "../registry/registry.js";
import type { Service } from "../service.js";
import type { StoredCommand, Store } from "../store/store.js";
import { OpenCounts } from "./open-counts.js";
import {
  checkForDevice, commandFrame, describeAnswer, describeCommandErrors, validateCommand,
  type Command, type CommandResult, type ResultState,
} from "./translate.js";

export const COMMAND_FILTER = `${TOPIC_ROOT}/+/+/command`;

export interface CommandOptions {
  /** time to live of a command that does not say (ttlS), s */
  defaultTtlS?: number;
  /** a delivered command not yet answered is offered again at the next chance after this long */
  resendMs?: number;
  /** how often expired commands are looked for */
  sweepMs?: number;
  /** larger payloads are rejected unread */
  maxPayloadBytes?: number;
}

export const COMMAND_DEFAULTS: Required<CommandOptions> = {
  defaultTtlS: 3600,
  resendMs: 30_000,
  sweepMs: 1000,
  maxPayloadBytes: 4096,
};

export interface CommandDeps {
  registry: Registry;
  store: Pick<
    Store,
    | "commandEnqueue" | "commandsPending" | "commandsOpenCounts" | "commandSetState" | "commandsExpire" | "commandsNextExpiry"
    | "command" | "commandByRef" | "lastHeard"
  >;
  /** keeps where a unit was heard across restarts (the gateway writes it with the next commit) */
  saveHeard: (deviceId: number, origin: string, at: number) => void;
  /** commands arrive by an internal subscription on the embedded broker */
  aedes: Aedes;
  /** results leave through the gateway's outlet, like every message */
  outlet: Pick<Outlet, "emit">;
  log: Logger;
  /** puts a downlink on the way to the device by the path `origin` came in on; false when that link is down */
  send: (origin: FrameOrigin, frame: Uint8Array) => boolean;
  /** the unit applied the command */
  applied?: (device: Device, command: Command) => void;
}

/**
 * Commands from the command center to the roadside: validated, queued in the store with a time
 * to live, sent in the device's next receive opportunity, tracked to the device's answer, and
 * reported on .../command/result (and upstream through the outbox), each state once.
 *
 * Delivery is stop-and-wait per device: only its oldest open command is offered, and again at
 * later chances until the unit answers, which it does idempotently. A chance is any authentic
 * uplink from the device (`heard`, called just before its ack goes, so that on LoRa the command
 * and the ack both land in the receive window that uplink opened), or at once when the device
 * was last heard on a direct serial link.
 */
export class Commands implements Service {
  readonly name = "commands";
  private readonly options: Required<CommandOptions>;
  /** where each device was last heard: its next downlink goes the same way */
  private readonly lastOrigin = new Map<number, FrameOrigin>();
  /** a port's origin, shared by the units heard directly on it (65,535 units kept one object each: some 3 MiB) */
  private readonly portOrigins = new Map<string, FrameOrigin>();
  private readonly lastSent = new Map<number, number>();
  private open = new OpenCounts();
  /**
   * when the first open command's time is up (Infinity: none open); the sweep is a write
   * transaction, which on the event loop waits for the commit thread's, so it runs only then
   */
  private nextExpiry = Infinity;
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly deliver = (packet: AedesPublishPacket, done: () => void): void => {
    try {
      this.submit(packet.topic, packet.payload);
    } catch (err) {
      this.deps.log.error({ topic: packet.topic, err: (err as Error).message }, "command handling failed");
    }
    done();
  };

  constructor(private readonly deps: CommandDeps, options: CommandOptions = {}) {
    this.options = { ...COMMAND_DEFAULTS, ...options };
  }

  /**
   * Loads where each unit was last heard, subscribes inside the broker (an internal subscription,
   * not bound by client ACLs) and starts the expiry sweep.
   */
  async start(): Promise<void> {
    this.open = new OpenCounts(this.deps.store.commandsOpenCounts());
    this.nextExpiry = this.deps.store.commandsNextExpiry() ?? Infinity;
    for (const { deviceId, origin } of this.deps.store.lastHeard()) this.lastOrigin.set(deviceId, this.shared(JSON.parse(origin) as FrameOrigin));
    await new Promise<void>((resolve) => this.deps.aedes.subscribe(COMMAND_FILTER, this.deliver, resolve));
    this.sweepTimer = setInterval(() => this.expire(), this.options.sweepMs);
    this.sweepTimer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    await new Promise<void>((resolve) => this.deps.aedes.unsubscribe(COMMAND_FILTER, this.deliver, resolve));
  }

  /**
   * A command published on `topic`. Returns the queued command, or undefined when it was
   * rejected (and the rejection published).
   */
  submit(topic: string, payload: Buffer | string, now = Date.now()): StoredCommand | undefined {
    const [, , site = "", deviceLevel = ""] = topic.split("/");
    const bytes = typeof payload === "string" ? Buffer.byteLength(payload) : payload.length;
    const deviceId = /^[0-9]{1,5}$/.test(deviceLevel) ? Number(deviceLevel) : null;
    const reject = (detail: string, command: unknown): undefined => {
      this.deps.log.warn({ topic, detail }, "command rejected");
      this.publish(site, deviceLevel, { commandId: null, deviceId, siteId: site, state: "rejected", detail, time: iso(now), command });
      return undefined;
    };
    if (bytes > this.options.maxPayloadBytes) return reject(`command of ${bytes} bytes exceeds ${this.options.maxPayloadBytes}`, null);
    const text = payload.toString();
    let command: unknown;
    try {
      command = JSON.parse(text);
    } catch (err) {
      return reject(`command is not JSON: ${(err as Error).message}`, text);
    }
    if (!validateCommand(command)) return reject(describeCommandErrors(validateCommand.errors), command);
    const device = deviceId === null ? undefined : this.deps.registry.get(deviceId);
    if (!device) return reject(`unknown device ${deviceLevel}`, command);
    if (device.site !== site) return reject(`device ${device.id} is at site ${device.site}, not ${site}`, command);
    const problem = checkForDevice(command, device);
    if (problem) return reject(problem, command);
    if (command.ref !== undefined) {
      const earlier = this.deps.store.commandByRef(device.id, command.ref, now);
      if (earlier) return this.repeated(device, earlier, command.ref, now);
    }
    const ttlS = command.ttlS ?? this.options.defaultTtlS;
    const expiresAt = now + ttlS * 1000;
    const id = this.deps.store.commandEnqueue({ deviceId: device.id, command: JSON.stringify(command), createdAt: now, expiresAt });
    this.open.opened(device.id);
    this.nextExpiry = Math.min(this.nextExpiry, expiresAt);
    this.deps.log.info({ commandId: id, deviceId: device.id, op: command.op, ttlS }, "command queued");
    const origin = this.lastOrigin.get(device.id);
    if (origin && !origin.radio) this.offer(device, origin, now);
    return this.deps.store.command(id);
  }

  /** The device sent an authentic frame on `origin` and listens now: offer its oldest open command. */
  heard(device: Device, origin: FrameOrigin, now = Date.now()): void {
    const before = this.lastOrigin.get(device.id);
    this.lastOrigin.set(device.id, this.shared(origin));
    // kept across restarts; written only when the way to the unit changes, not for every frame
    if (!before || before.source !== origin.source || !before.radio !== !origin.radio) this.deps.saveHeard(device.id, JSON.stringify(origin), now);
    this.offer(device, origin, now);
  }

  private shared(origin: FrameOrigin): FrameOrigin {
    if (origin.radio || origin.deviceId !== undefined) return origin;
    const known = this.portOrigins.get(origin.source);
    if (known) return known;
    this.portOrigins.set(origin.source, origin);
    return origin;
  }

  /**
   * A serial port (re)opened, at start or after it was away: units last heard on it directly
   * listen there, so their oldest open command goes now rather than at their next uplink.
   */
  linkOpened(source: string, now = Date.now()): void {
    for (const [deviceId, origin] of this.lastOrigin) {
      const device = origin.source === source && !origin.radio ? this.deps.registry.get(deviceId) : undefined;
      if (device) this.offer(device, origin, now);
    }
  }

  /** The unit's answer to a command. A repeated answer (the command was delivered twice) changes nothing. */
  result(envelope: Envelope<"commandResult">, device: Device, now = Date.now()): void {
    const { id, result, detail } = envelope.body;
    const stored = this.deps.store.command(id);
    if (!stored || stored.deviceId !== device.id) {
      this.deps.log.warn({ deviceId: device.id, commandId: id }, "answer to a command this device was never sent");
      return;
    }
    const answer = describeAnswer(result, detail);
    if (!this.deps.store.commandSetState(id, answer.state, answer.detail, now)) return;
    this.open.settled(device.id);
    this.lastSent.delete(id);
    const command = JSON.parse(stored.command) as Command;
    this.deps.log.info({ commandId: id, deviceId: device.id, state: answer.state, detail: answer.detail }, "command answered");
    this.publishFor(device, stored, answer.state, answer.detail, now);
    if (answer.state === "applied") this.deps.applied?.(device, command);
  }

  /** Marks commands past their time to live as expired and reports them. */
  expire(now = Date.now()): void {
    if (now < this.nextExpiry) return;
    const expired = this.deps.store.commandsExpire(now);
    // a command answered before its time leaves this too early: one sweep then finds nothing
    this.nextExpiry = this.deps.store.commandsNextExpiry() ?? Infinity;
    for (const stored of expired) {
      const delivered = this.lastSent.delete(stored.id);
      this.open.settled(stored.deviceId);
      const ttlS = Math.round((stored.expiresAt - stored.createdAt) / 1000);
      const detail = delivered
        ? `delivered but not answered within ${ttlS} s; the unit may have applied it`
        : `no answer from the unit within ${ttlS} s`;
      const device = this.deps.registry.get(stored.deviceId);
      this.deps.log.warn({ commandId: stored.id, deviceId: stored.deviceId }, "command expired");
      if (device) this.publishFor(device, stored, "expired", detail, now);
      else this.publish("unknown", String(stored.deviceId), resultOf(stored, "unknown", "expired", detail, now));
    }
  }

  /**
   * The command center sent a command again with the same ref (its retry, or a duplicate
   * publish): it is not queued twice. The earlier command's latest result is answered again;
   * one still queued has none yet, and its own results will follow.
   */
  private repeated(device: Device, earlier: StoredCommand, ref: string, now: number): StoredCommand {
    this.deps.log.info({ commandId: earlier.id, deviceId: device.id, ref, state: earlier.state }, "command repeated with the same ref; not queued again");
    if (earlier.state !== "queued") {
      const detail = `repeat of command ${earlier.id} (ref ${ref})${earlier.detail ? `: ${earlier.detail}` : ""}`;
      this.publishFor(device, earlier, earlier.state, detail, now);
    }
    return earlier;
  }

  private offer(device: Device, origin: FrameOrigin, now: number): void {
    if (!this.open.has(device.id)) return;
    const [next] = this.deps.store.commandsPending(device.id, now);
    if (!next) return;
    const sentAt = this.lastSent.get(next.id);
    if (sentAt !== undefined && now - sentAt < this.options.resendMs) return;
    const frame = commandFrame(JSON.parse(next.command) as Command, next.id, next.createdAt, device, now);
    if (!this.deps.send(origin, frame)) return;
    this.lastSent.set(next.id, now);
    const path = origin.radio ? `LoRa via the bridge on ${origin.source}` : origin.source;
    this.deps.log.info({ commandId: next.id, deviceId: device.id, source: origin.source, again: next.state === "delivered" }, "command sent");
    if (next.state === "queued" && this.deps.store.commandSetState(next.id, "delivered", `sent over ${path}`, now)) {
      this.publishFor(device, next, "delivered", `sent over ${path}`, now);
    }
  }

  private publishFor(device: Device, stored: StoredCommand, state: ResultState, detail: string, now: number): void {
    this.publish(device.site, String(device.id), resultOf(stored, device.site, state, detail, now));
  }

  /** Through the outlet: stored for upstream, and on the embedded broker for local subscribers. */
  private publish(site: string, deviceLevel: string, result: CommandResult): void {
    const message = { site, device: deviceLevel, kind: "command/result", payload: { ...result }, createdAt: Date.parse(result.time) };
    this.deps.outlet.emit(message).catch((err: unknown) => {
      this.deps.log.warn({ site, device: deviceLevel, err: (err as Error).message }, "command result not published");
    });
  }
}

function resultOf(stored: StoredCommand, site: string, state: ResultState, detail: string, now: number): CommandResult {
  return {
    commandId: stored.id, deviceId: stored.deviceId, siteId: site, state, detail, time: iso(now), command: JSON.parse(stored.command) as unknown,
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
