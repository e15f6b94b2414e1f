// `pantau demo` as a newcomer runs it (npm start): within seconds every kind of normalized
// message arrives from the real firmware running against simulated physics, and all of it
// matches the published JSON Schemas.

import { afterAll, describe, expect, it } from "vitest";
import { outputValidator } from "../../gateway/normalize/schemas.js";
import type { Kind } from "../../gateway/normalize/index.js";
import { freePort } from "../support/mosquitto.js";
import { collect, waitFor, type Received } from "../support/mqtt.js";
import { exitOf, startCli, type RunningCli } from "../support/cli.js";
import { expectOfficialModels } from "../support/fiware.js";


describe("pantau demo", () => {
  let cli: RunningCli | undefined;
  afterAll(async () => {
    await cli?.stop();
  });

  it("publishes every kind from every role, schema-valid, a flood alarm included", async () => {
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    // 20x simulated time so the flood wave crosses the alert level within the test
    cli = startCli(["demo", "--mqtt-port", String(mqttPort), "--http-port", String(httpPort), "--speed", "20"]);
    await waitFor("demo running", () => cli!.logs.find((l) => l.msg === "demo fleet running"), 20_000);
    const sub = await collect(`mqtt://127.0.0.1:${mqttPort}`);
    try {
      const has = (suffix: string) => sub.messages.some((m) => m.topic.endsWith(suffix));
      await waitFor("status of all five units", () => [2001, 2002, 2003, 2004, 2005].every((id) => has(`/${id}/status`)), 30_000);
      await waitFor("traffic, speed and both floods", () => has("/2001/traffic") && has("/2002/speed") && has("/2003/flood") && has("/2005/flood"), 60_000);
      const alarm = await waitFor("a flood alarm", () => sub.messages.find((m) => m.topic.endsWith("/2003/alarm")), 90_000);
      expect(alarm.payload).toMatchObject({ alarmType: "floodLevelStatus", floodLevelStatus: "alert", previousFloodLevelStatus: "normal" });

      for (const m of sub.messages) {
        const kind = m.topic.split("/").pop() as Kind;
        const validate = outputValidator(kind);
        expect(validate(m.payload), `${m.topic}: ${JSON.stringify(validate.errors)}`).toBe(true);
      }
      const official = expectOfficialModels("demo", sub.messages);
      expect(official.map((t) => t.kind)).toEqual(["traffic", "speed", "flood", "alarm", "status"]);
      // the units' clocks and the gateway's run at the same speed: no unit ever stamps time backwards
      const byDevice = new Map<number, Array<{ seq: number; boot: number; at: number; topic: string }>>();
      for (const m of sub.messages) {
        if (m.payload.timeSource !== "device") continue;
        const list = byDevice.get(m.payload.deviceId as number) ?? [];
        list.push({ boot: m.payload.boot as number, seq: m.payload.seq as number, at: Date.parse(String(m.payload.dateObserved)), topic: m.topic });
        byDevice.set(m.payload.deviceId as number, list);
      }
      expect(byDevice.size).toBe(5);
      for (const [id, list] of byDevice) {
        const ordered = [...new Map(list.map((r) => [`${r.boot}:${r.seq}`, r])).values()].sort((a, b) => a.boot - b.boot || a.seq - b.seq);
        const backwards = ordered.filter((r, i) => i > 0 && r.at < ordered[i - 1]!.at);
        expect(backwards, `device ${id} stamped time backwards`).toEqual([]);
      }
      const traffic = sub.messages.filter((m) => m.topic.endsWith("/2001/traffic"));
      expect(new Set(traffic.map((m) => m.payload.laneId))).toEqual(new Set([1, 2])); // counted from 1, as the model does
      expect(new Set(traffic.map((m) => m.payload.id)).size).toBe(2); // one entity per lane, each message an observation
      const lora = sub.messages.find((m: Received) => m.topic.endsWith("/2005/status"))!;
      expect(lora.payload.uplinkRssi).toBe(-108); // heard through the bridge, with the bridge's radio metadata

      const health = await fetch(`http://127.0.0.1:${httpPort}/healthz`);
      expect(health.status).toBe(200);
      const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
      expect(metrics).toMatch(/pantau_frames_total\{result="accepted"\} [1-9]/);
    } finally {
      await sub.client.endAsync();
    }
    expect(await cli.stop()).toBe(0);
  }, 150_000);
});

describe("pantau demo on a non-loopback address", () => {
  it("refuses to start without MQTT users, naming the option, and leaves nothing behind", async () => {
    const cli = startCli(["demo", "--mqtt-host", "0.0.0.0", "--mqtt-port", String(await freePort()), "--http-port", String(await freePort())]);
    expect(await exitOf(cli)).toBe(1);
    expect(cli.stderr()).toContain("--mqtt-host 0.0.0.0 is not loopback: use --mqtt-host 127.0.0.1, or configure security.users");
    expect(cli.logs.find((l) => l.msg === "mqtt broker listening")).toBeUndefined();
  });
});
