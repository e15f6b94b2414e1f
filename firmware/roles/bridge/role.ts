// The bridge: an ESP32 with a LoRa radio on the gateway's USB serial port. Every packet heard on
// the air goes to the gateway as an uplink relay record with its RSSI and SNR; every transmit
// record from the gateway goes on the air, within the duty-cycle budget (shared/airtime.ts time
// on air against a sliding-hour budget, 1 % by default).
//
// A transmission that would exceed the budget is held back in a small FIFO and sent as soon as
// the budget allows; a held packet older than `dlMaxAgeMs` is dropped instead (an ack that misses
// the device's receive window is useless), and so is a new one when the FIFO is full. Each case
// is counted. The bridge's own identity, status frames and console come from the core.

import { loraAirtimeMs } from "../../../shared/airtime.js";
import { decodeRelayDown, encodeRelayUp, RELAY_DOWN } from "../../../shared/relay.js";
import type { CoreContext, CoreRoleFactory } from "../../core/device.js";
import { DutyBudget } from "../../core/duty-cycle.js";
import type { Radio, RadioPacket, TimerHandle } from "../../platform/platform.js";
import { bridge } from "../../../shared/roles/bridge.js";
import { checkSetting, type SettingSpec } from "../../../shared/settings.js";
import { numberSetting } from "../../core/settings.js";
import type { Role } from "../role.js";

const S = bridge.settings;

interface Held {
  packet: Uint8Array;
  queuedAtMs: number;
  counted: boolean;
}

export interface BridgeStats {
  relayedUp: number;
  relayedDown: number;
  /** downlinks that had to wait for the duty-cycle budget */
  heldBack: number;
  droppedStale: number;
  droppedFull: number;
  /** a single packet longer on air than the whole budget */
  droppedTooLong: number;
  badRecords: number;
  airtimeMs: number;
}

export class Bridge implements Role {
  readonly stats: BridgeStats = {
    relayedUp: 0, relayedDown: 0, heldBack: 0, droppedStale: 0, droppedFull: 0, droppedTooLong: 0, badRecords: 0, airtimeMs: 0,
  };
  readonly budget: DutyBudget;
  private readonly held: Held[] = [];
  private transmitting = false;
  private timer: TimerHandle | undefined;
  private running = false;
  private readonly limits: Record<keyof typeof S, number>;

  constructor(private readonly ctx: CoreContext) {
    const read = (name: keyof typeof S) => (isValid(name, ctx.settings[name]) ? ctx.settings[name] as number : S[name].default);
    this.limits = { dlQueue: read("dlQueue"), dlMaxAgeMs: read("dlMaxAgeMs"), dutyWindowS: read("dutyWindowS") };
    this.budget = new DutyBudget({ dutyCycle: numberSetting(ctx.settings, "dutyBp") / 10000, windowMs: this.limits.dutyWindowS * 1000 });
  }

  get heldCount(): number {
    return this.held.length;
  }

  start(): void {
    const radio = this.radio();
    if (!radio) {
      this.ctx.platform.trace("bridge: this board has no LoRa radio");
      return;
    }
    this.running = true;
    radio.receive((packet) => this.relayUp(packet));
    this.ctx.host.on(RELAY_DOWN, (record) => this.queueDown(record));
  }

  stop(): void {
    this.running = false;
    this.ctx.host.on(RELAY_DOWN, () => undefined);
    if (this.timer) this.ctx.platform.clearTimer(this.timer);
    this.timer = undefined;
    this.held.length = 0;
  }

  applySetting(key: string, value: number | string | boolean): boolean {
    const spec: SettingSpec | undefined = S[key as keyof typeof S];
    if (spec?.live !== true || !isValid(key as keyof typeof S, value)) return false;
    this.limits[key as keyof typeof S] = value as number;
    return true;
  }

  private radio(): Radio | undefined {
    return this.ctx.platform.radio;
  }

  private relayUp(packet: RadioPacket): void {
    if (!this.running) return;
    this.ctx.host.send(encodeRelayUp({ rssiDbm: clampInt16(packet.rssiDbm), snrDb10: clampInt16(packet.snrDb10), packet: packet.payload }));
    this.stats.relayedUp++;
  }

  private queueDown(record: Uint8Array): void {
    let packet: Uint8Array;
    try {
      packet = decodeRelayDown(record);
    } catch {
      this.stats.badRecords++;
      return;
    }
    if (this.held.length >= this.limits.dlQueue) {
      this.stats.droppedFull++;
      return;
    }
    this.held.push({ packet: packet.slice(), queuedAtMs: this.ctx.platform.uptimeMs(), counted: false });
    this.pump();
  }

  private pump(): void {
    const radio = this.radio();
    if (!this.running || !radio || this.transmitting || this.timer) return;
    const now = this.ctx.platform.uptimeMs();
    for (;;) {
      const next = this.held[0];
      if (!next) return;
      if (now - next.queuedAtMs > this.limits.dlMaxAgeMs) {
        this.held.shift();
        this.stats.droppedStale++;
        continue;
      }
      const airtime = loraAirtimeMs({ payloadBytes: next.packet.length, spreadingFactor: radio.spreadingFactor, bandwidthHz: radio.bandwidthHz });
      const wait = this.budget.waitMs(airtime, now);
      if (wait === Infinity) {
        this.held.shift();
        this.stats.droppedTooLong++;
        continue;
      }
      if (wait > 0) {
        if (!next.counted) this.stats.heldBack++;
        next.counted = true;
        // Wake when the budget allows, or when the packet turns stale, whichever comes first.
        const staleIn = next.queuedAtMs + this.limits.dlMaxAgeMs + 1 - now;
        this.timer = this.ctx.platform.setTimer(() => {
          this.timer = undefined;
          this.pump();
        }, Math.max(1, Math.min(wait, staleIn)));
        return;
      }
      this.held.shift();
      this.transmit(radio, next.packet, airtime);
      return;
    }
  }

  private transmit(radio: Radio, packet: Uint8Array, airtimeMs: number): void {
    this.budget.spend(airtimeMs, this.ctx.platform.uptimeMs());
    this.stats.airtimeMs += airtimeMs;
    this.transmitting = true;
    radio.transmit(packet, () => {
      this.transmitting = false;
      this.stats.relayedDown++;
      this.pump();
    });
  }
}

export const bridgeRole: CoreRoleFactory = (ctx) => new Bridge(ctx);

function isValid(name: keyof typeof S, value: unknown): boolean {
  return value !== undefined && checkSetting(name, S[name], value) === undefined;
}

function clampInt16(value: number): number {
  return Math.max(-0x8000, Math.min(0x7fff, Math.round(value)));
}
