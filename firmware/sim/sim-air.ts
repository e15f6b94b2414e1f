// A simulated LoRa channel for SimPlatforms: every radio on it hears every other radio. A packet
// occupies the air for its real time on air (shared/airtime.ts); receivers get it when it ends,
// with the RSSI/SNR the sender was placed at. A radio that is transmitting hears nothing (half
// duplex), and packets whose airtime overlaps at a receiver are both lost (no capture effect).
// Each radio runs on its own platform's virtual clock: advance all platforms in small steps
// together (advanceTogether) so the clocks stay within a step of each other. A packet's time on
// the air is taken from the sender's clock, so two packets one radio sends back to back never
// overlap at a receiver whose clock lags the sender's by part of a step.

import { loraAirtimeMs } from "../../shared/airtime.js";
import type { Radio, RadioPacket } from "../platform/platform.js";
import type { SimPlatform } from "./sim-platform.js";

export interface SimRadioOptions {
  spreadingFactor?: number;
  bandwidthHz?: number;
  /** how strongly the others hear this radio */
  rssiDbm?: number;
  snrDb10?: number;
}

interface Reception {
  endMs: number;
  packet: RadioPacket;
  collided: boolean;
}

export class SimRadio implements Radio {
  readonly spreadingFactor: number;
  readonly bandwidthHz: number;
  readonly rssiDbm: number;
  readonly snrDb10: number;
  private onPacket: ((packet: RadioPacket) => void) | undefined;
  private transmittingUntilMs = -1;
  private incoming: Reception[] = [];
  sentPackets = 0;
  heardPackets = 0;
  lostPackets = 0;

  constructor(readonly platform: SimPlatform, private readonly air: SimAir, options: SimRadioOptions) {
    this.spreadingFactor = options.spreadingFactor ?? 10;
    this.bandwidthHz = options.bandwidthHz ?? 125000;
    this.rssiDbm = options.rssiDbm ?? -95;
    this.snrDb10 = options.snrDb10 ?? 55;
  }

  receive(onPacket: (packet: RadioPacket) => void): void {
    this.onPacket = onPacket;
  }

  transmit(payload: Uint8Array, done: () => void): void {
    const airtime = loraAirtimeMs({ payloadBytes: payload.length, spreadingFactor: this.spreadingFactor, bandwidthHz: this.bandwidthHz });
    const now = this.platform.timeMs;
    this.transmittingUntilMs = now + airtime;
    this.sentPackets++;
    this.air.broadcast(this, { payload: payload.slice(), rssiDbm: this.rssiDbm, snrDb10: this.snrDb10 }, now, airtime);
    this.platform.setTimer(done, Math.ceil(airtime));
  }

  /** called by the air when a packet starts (at `startMs`, sender's time); it is delivered when its airtime ends */
  startReception(packet: RadioPacket, startMs: number, airtimeMs: number): void {
    const endMs = startMs + airtimeMs;
    if (startMs < this.transmittingUntilMs) {
      this.lostPackets++;
      return;
    }
    const reception: Reception = { endMs, packet, collided: false };
    for (const other of this.incoming) {
      if (other.endMs > startMs) {
        other.collided = true;
        reception.collided = true;
      }
    }
    this.incoming.push(reception);
    this.platform.setTimer(() => this.endReception(reception), Math.max(0, Math.ceil(endMs - this.platform.timeMs)));
  }

  private endReception(reception: Reception): void {
    this.incoming = this.incoming.filter((r) => r !== reception);
    if (reception.collided) {
      this.lostPackets++;
      return;
    }
    this.heardPackets++;
    this.onPacket?.(reception.packet);
  }
}

export class SimAir {
  private readonly radios: SimRadio[] = [];

  /** Puts a radio on the air and installs it as the platform's radio. */
  attach(platform: SimPlatform, options: SimRadioOptions = {}): SimRadio {
    const radio = new SimRadio(platform, this, options);
    this.radios.push(radio);
    platform.radio = radio;
    return radio;
  }

  detach(radio: SimRadio): void {
    const i = this.radios.indexOf(radio);
    if (i >= 0) this.radios.splice(i, 1);
  }

  broadcast(from: SimRadio, packet: RadioPacket, startMs: number, airtimeMs: number): void {
    for (const radio of this.radios) {
      if (radio !== from && radio.spreadingFactor === from.spreadingFactor && radio.bandwidthHz === from.bandwidthHz) {
        radio.startReception({ ...packet, payload: packet.payload.slice() }, startMs, airtimeMs);
      }
    }
  }
}

/** Advances every platform by `ms` in steps of `stepMs`, so their clocks stay in step. */
export function advanceTogether(platforms: readonly SimPlatform[], ms: number, stepMs = 10): void {
  if (ms <= 0) for (const platform of platforms) platform.advance(0);
  for (let done = 0; done < ms; done += stepMs) {
    const step = Math.min(stepMs, ms - done);
    for (const platform of platforms) platform.advance(step);
  }
}
