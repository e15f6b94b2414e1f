// The ceiling: an embedded aedes on TCP (noDelay, as the gateway's listeners), an mqtt.js client
// publishing a reading's JSON at QoS 1 as fast as it can, one subscriber counting them.
import { createServer, type Server, type Socket } from "node:net";
import { Aedes } from "aedes";
import mqtt, { type MqttClient } from "mqtt";
import { READINGS, SITE } from "./fleet.js";

export interface AedesAlone {
  /** frames/s for `count` messages of `body` */
  run(count: number, body: string): Promise<number>;
  stop(): Promise<void>;
}

export async function startAedesAlone(): Promise<AedesAlone> {
  const aedes = await Aedes.createBroker();
  const server: Server = createServer((socket: Socket) => {
    socket.setNoDelay(true);
    aedes.handle(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`;
  const sub: MqttClient = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  const pub: MqttClient = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  await sub.subscribeAsync(READINGS, { qos: 1 });
  return {
    run: (count, body) => new Promise((resolve) => {
      let seen = 0;
      const started = performance.now();
      const onMessage = (): void => {
        if (++seen < count) return;
        sub.off("message", onMessage);
        resolve(Math.round(count / ((performance.now() - started) / 1000)));
      };
      sub.on("message", onMessage);
      for (let i = 0; i < count; i++) pub.publish(`pantau/v1/${SITE}/${1 + (i % 100)}/traffic`, body, { qos: 1 });
    }),
    stop: async () => {
      await pub.endAsync();
      await sub.endAsync();
      await new Promise<void>((r) => aedes.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
