import type { Aedes } from "aedes";
import type { Outgoing } from "./outlet.js";

export const TOPIC_ROOT = "pantau/v1";

/** `device` is a unit's id, or the level a command named when no such unit exists. */
export function topicFor(site: string, device: number | string, kind: string): string {
  return `${TOPIC_ROOT}/${site}/${device}/${kind}`;
}

/** Status is retained (a dashboard sees the last state at once), here and upstream; everything else is not. */
export function retainedTopic(topic: string): boolean {
  return topic.endsWith("/status");
}

/** Publishes messages on the embedded broker, QoS 1. */
export class Publisher {
  constructor(private readonly aedes: Aedes) {}

  /**
   * The callback waits for aedes to deliver (behind other publishes in its queue); it holds the
   * packet, whose payload is bytes outside the JS heap, and not the message with its body string,
   * which would otherwise live, and be promoted, with every publish in the queue.
   */
  publish(message: Pick<Outgoing, "topic" | "body">): Promise<void> {
    const packet = { cmd: "publish", topic: message.topic, payload: Buffer.from(message.body), qos: 1, retain: retainedTopic(message.topic), dup: false } as const;
    return new Promise((resolve, reject) => {
      this.aedes.publish(packet, (err) => (err ? reject(err) : resolve()));
    });
  }
}
