// The two ways a unit reaches the gateway:
//  - serial: SLIP frames on the host UART, acks come back the same way;
//  - LoRa: one frame per packet through a bridge. Like a LoRaWAN class-A device the unit only
//    listens for downlinks in a receive window that opens when each uplink has left, and it keeps
//    its own time-on-air within the duty-cycle budget.

import { loraAirtimeMs } from "../../shared/airtime.js";
import type { Platform, Radio, RadioPacket } from "../platform/platform.js";
import type { DutyBudget } from "./duty-cycle.js";
import { ENVELOPE_MARKER, type HostPort } from "./host-port.js";

export interface RadioMeta {
  rssiDbm: number;
  snrDb10: number;
}

export type DownlinkHandler = (frame: Uint8Array, radio?: RadioMeta) => void;

export interface UplinkLink {
  readonly kind: "serial" | "lora";
  /** how long after a frame has left its ack may still arrive */
  readonly ackWaitMs: number;
  /** ms to wait before a frame of `bytes` may be sent (the duty cycle); 0 = now */
  waitMs(bytes: number): number;
  /** sends one frame (the link copies what it keeps); `sent` runs once it has left */
  transmit(frame: Uint8Array, sent: () => void): void;
  /** where envelope frames from the gateway go */
  onDownlink(handler: DownlinkHandler): void;
}

export class SerialUplink implements UplinkLink {
  readonly kind = "serial";

  constructor(private readonly host: HostPort, readonly ackWaitMs: number) {}

  waitMs(): number {
    return 0;
  }

  transmit(frame: Uint8Array, sent: () => void): void {
    this.host.send(frame);
    sent();
  }

  onDownlink(handler: DownlinkHandler): void {
    this.host.on(ENVELOPE_MARKER, (frame) => handler(frame));
  }
}

export class LoRaUplink implements UplinkLink {
  readonly kind = "lora";
  private windowUntilMs = -1;
  private handler: DownlinkHandler | undefined;
  /** packets ignored: heard while the receive window was closed (other units' traffic, late
   * acks) or not envelope frames */
  outsideWindow = 0;

  constructor(
    private readonly platform: Platform,
    private readonly radio: Radio,
    private readonly budget: DutyBudget,
    readonly ackWaitMs: number,
  ) {
    radio.receive((packet) => this.received(packet));
  }

  airtimeMs(bytes: number): number {
    return loraAirtimeMs({ payloadBytes: bytes, spreadingFactor: this.radio.spreadingFactor, bandwidthHz: this.radio.bandwidthHz });
  }

  waitMs(bytes: number): number {
    return this.budget.waitMs(this.airtimeMs(bytes), this.platform.uptimeMs());
  }

  transmit(frame: Uint8Array, sent: () => void): void {
    this.budget.spend(this.airtimeMs(frame.length), this.platform.uptimeMs());
    this.windowUntilMs = -1;
    this.radio.transmit(frame.slice(), () => {
      this.windowUntilMs = this.platform.uptimeMs() + this.ackWaitMs;
      sent();
    });
  }

  onDownlink(handler: DownlinkHandler): void {
    this.handler = handler;
  }

  private received(packet: RadioPacket): void {
    if (this.platform.uptimeMs() > this.windowUntilMs || packet.payload[0] !== ENVELOPE_MARKER) {
      this.outsideWindow++;
      return;
    }
    this.handler?.(packet.payload, { rssiDbm: packet.rssiDbm, snrDb10: packet.snrDb10 });
  }
}
