import type { Aedes } from "aedes";
import type { Normalized } from "../normalize/index.js";

export const TOPIC_ROOT = "pantau/v1";

export function topicFor(site: string, deviceId: number, kind: string): string {
  return `${TOPIC_ROOT}/${site}/${deviceId}/${kind}`;
}

/** Publishes normalized messages on the embedded broker; status is retained, readings are not. */
export class Publisher {
  constructor(private readonly aedes: Aedes) {}

  publish(site: string, deviceId: number, message: Normalized): Promise<void> {
    const retain = message.kind === "status";
    return new Promise((resolve, reject) => {
      this.aedes.publish(
        {
          cmd: "publish",
          topic: topicFor(site, deviceId, message.kind),
          payload: Buffer.from(JSON.stringify(message.payload)),
          qos: 1,
          retain,
          dup: false,
        },
        (err) => (err ? reject(err) : resolve()),
      );
    });
  }
}
