import mqtt, { type IClientOptions } from "mqtt";

export interface Delivery {
  n: number;
  topic: string;
  retain: boolean;
}

/** The command center: a persistent-session subscriber to everything, which mqtt.js resubscribes after a broker restart. */
export async function commandCenter(url: string, opts: IClientOptions = {}) {
  const client = await mqtt.connectAsync(url, { clientId: `command-center-${process.pid}-${Math.random().toString(16).slice(2, 8)}`, clean: false, reconnectPeriod: 100, ...opts });
  const got: Delivery[] = [];
  let subscribedAt = 0;
  client.on("message", (topic, payload, packet) => got.push({ n: (JSON.parse(payload.toString()) as { n: number }).n, topic, retain: packet.retain }));
  client.on("packetreceive", (packet) => {
    if (packet.cmd === "suback") subscribedAt = Date.now();
  });
  await client.subscribeAsync("#", { qos: 1 });
  return { client, got, subscribedAt: () => subscribedAt, unique: () => new Set(got.map((d) => d.n)).size };
}
