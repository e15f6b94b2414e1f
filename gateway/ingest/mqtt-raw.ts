import type { Aedes, AedesPublishPacket } from "aedes";
import type { Logger } from "../log.js";
import { receiveRecord, type FrameSink, type Link } from "./link.js";
import type { Links } from "./links.js";
import type { Service } from "../service.js";

/** Units on Wi-Fi publish their envelope frames here; the ACL lets each publish only its own. */
export const RAW_TOPIC = "pantau/raw/+";
const RAW_ID = /^pantau\/raw\/(\d{1,5})$/;

/** The name of a Wi-Fi unit's link, also the frame origin the pipeline sees. */
export const rawLinkName = (deviceId: number): string => `mqtt:${deviceId}`;

/** One Wi-Fi unit's path back: acks and commands go to `pantau/raw/{id}/down`. */
class RawDeviceLink implements Link {
  readonly kind = "direct" as const;
  readonly state = "open" as const;
  readonly name: string;

  constructor(private readonly aedes: Aedes, readonly deviceId: number) {
    this.name = rawLinkName(deviceId);
  }

  send(frame: Uint8Array): boolean {
    this.aedes.publish({ cmd: "publish", topic: `pantau/raw/${this.deviceId}/down`, payload: Buffer.from(frame), qos: 1, retain: false, dup: false }, () => undefined);
    return true;
  }

  async stop(): Promise<void> {}
}

/**
 * Frames from Wi-Fi units, which skip serial and SLIP: each MQTT message is one frame. The frame
 * then takes the same path as any other (MIC, replay window, store, ack). The topic says which
 * link answers, and the pipeline refuses a frame whose device id differs from the topic's.
 */
export class RawMqttIngest implements Service {
  readonly name = "raw mqtt ingest";
  private readonly deliver = (packet: AedesPublishPacket, done: () => void): void => {
    const match = RAW_ID.exec(packet.topic);
    if (match) {
      const deviceId = Number(match[1]);
      const name = rawLinkName(deviceId);
      let link = this.links.get(name);
      if (!link) {
        link = new RawDeviceLink(this.aedes, deviceId);
        this.links.add(link);
      }
      receiveRecord(link, Uint8Array.from(packet.payload as Buffer), this.sink);
    } else {
      this.log.warn({ topic: packet.topic }, "raw frame on a malformed topic ignored");
    }
    done();
  };

  constructor(
    private readonly aedes: Aedes,
    private readonly links: Links,
    private readonly sink: FrameSink,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.aedes.subscribe(RAW_TOPIC, this.deliver, resolve));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.aedes.unsubscribe(RAW_TOPIC, this.deliver, resolve));
  }
}
