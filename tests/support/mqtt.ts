import mqtt, { type MqttClient } from "mqtt";

export interface Received {
  topic: string;
  payload: Record<string, unknown>;
  retain: boolean;
}

/** A real MQTT client that records everything under a filter. */
export async function collect(url: string, filter = "pantau/#"): Promise<{ client: MqttClient; messages: Received[] }> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000 });
  const messages: Received[] = [];
  client.on("message", (topic, payload, packet) => {
    messages.push({ topic, payload: JSON.parse(payload.toString()) as Record<string, unknown>, retain: packet.retain });
  });
  await client.subscribeAsync(filter, { qos: 1 });
  return { client, messages };
}

/** Polls `probe` every `everyMs` until it gives a value; a costly probe (a tmux call) wants a longer pause. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
