// The ack path asks the store for a unit's next command only when one waits for it: the gateway
// counts open commands per unit in memory, from the store at start and at every enqueue and settle.

import { afterEach, describe, expect, it, vi } from "vitest";
import mqtt from "mqtt";
import type { Link } from "../../gateway/ingest/link.js";
import { ReplayWindows } from "../../gateway/pipeline/replay-window.js";
import { verifyFrame } from "../../gateway/pipeline/verify.js";
import { CommandResultCode } from "../../shared/messages.js";
import type { Gateway } from "../../gateway/gateway.js";
import { SAMPLE_BODIES, ScriptedDevice } from "../support/device.js";
import { KEYS } from "../support/fleet.js";
import { startTestGateway } from "../support/gateway.js";
import { waitFor } from "../support/mqtt.js";
import { tempDir } from "../support/temp.js";
import { mqttUrl } from "./support.js";

const FLOOD = "pantau/v1/smg-kali-semarang-02/103/command";

describe("open command counts on the ack path", () => {
  const running: Gateway[] = [];
  afterEach(async () => {
    for (const gateway of running.splice(0)) await gateway.stop();
  });

  function capture(gateway: Gateway): { link: Link; sent: Uint8Array[] } {
    const sent: Uint8Array[] = [];
    const link: Link = { name: "capture", kind: "direct", state: "open", send: (frame) => sent.push(frame) > 0, stop: async () => undefined };
    gateway.addLink(link);
    return { link, sent };
  }

  it("acks without a command query while none waits, queries once one is queued, and stops after the answer", async () => {
    const gateway = await startTestGateway();
    running.push(gateway);
    const pending = vi.spyOn(gateway.store, "commandsPending");
    const { link, sent } = capture(gateway);
    const station = new ScriptedDevice(103, KEYS.flood);

    for (let i = 0; i < 3; i++) gateway.frame(station.frame("floodReport", SAMPLE_BODIES.floodReport), { source: link.name });
    await waitFor("three acks", () => sent.length >= 3);
    expect(pending).not.toHaveBeenCalled();

    const client = await mqtt.connectAsync(mqttUrl(gateway), { reconnectPeriod: 0 });
    await client.publishAsync(FLOOD, JSON.stringify({ op: "setFlood", dangerMm: 2600 }), { qos: 1 });
    await client.endAsync();
    await waitFor("queued", () => gateway.store.commandList().length === 1);
    gateway.frame(station.frame("floodReport", SAMPLE_BODIES.floodReport), { source: link.name });
    await waitFor("command and ack", () => sent.length >= 5);
    // once when it was queued (the unit was heard on a direct link, so it goes at once) and once
    // for the uplink, which does not send it again within the resend time
    expect(pending).toHaveBeenCalledTimes(2);
    expect(sent).toHaveLength(5);
    const command = verifyFrame(sent[3]!, gateway.registry, new ReplayWindows()).envelope;
    expect(command).toMatchObject({ type: "command", deviceId: 103 });

    gateway.frame(station.frame("commandResult", { id: (command!.body as { id: number }).id, result: CommandResultCode.applied }), { source: link.name });
    await waitFor("applied", () => gateway.store.commandList()[0]!.state === "applied");
    gateway.frame(station.frame("floodReport", SAMPLE_BODIES.floodReport), { source: link.name });
    await waitFor("two more acks", () => sent.length >= 7);
    // the answer's own ack came after the command settled: no query for it, none for the next
    expect(pending).toHaveBeenCalledTimes(2);
  });

  it("counts commands left open in the store by an earlier run, and forgets expired ones", async () => {
    const dataDir = tempDir("pantau-open-");
    const first = await startTestGateway({}, dataDir);
    running.push(first);
    const client = await mqtt.connectAsync(mqttUrl(first), { reconnectPeriod: 0 });
    await client.publishAsync(FLOOD, JSON.stringify({ op: "setFlood", alertMm: 1600, ttlS: 1 }), { qos: 1 });
    await client.publishAsync(FLOOD, JSON.stringify({ op: "setFlood", dangerMm: 2600 }), { qos: 1 });
    await client.endAsync();
    await waitFor("queued", () => first.store.commandList().length === 2);
    await first.stop();
    running.pop();

    const second = await startTestGateway({}, dataDir);
    running.push(second);
    await waitFor("first expired", () => second.store.commandList().some((c) => c.state === "expired"), 5000);
    const pending = vi.spyOn(second.store, "commandsPending");
    const { link, sent } = capture(second);
    const station = new ScriptedDevice(103, KEYS.flood);
    second.frame(station.frame("floodReport", SAMPLE_BODIES.floodReport), { source: link.name });
    await waitFor("command and ack", () => sent.length >= 2);
    expect(pending).toHaveBeenCalledTimes(1);
    expect(verifyFrame(sent[0]!, second.registry, new ReplayWindows()).envelope).toMatchObject({ type: "command", body: { dangerMm: 2600 } });
  });

  it("looks for expired commands in the store only once one's time is up", async () => {
    const gateway = await startTestGateway();
    running.push(gateway);
    const expire = vi.spyOn(gateway.store, "commandsExpire");
    // times far ahead of the clock, so the gateway's own sweep (every second) finds nothing to do meanwhile
    const now = Date.now();
    gateway.commands.submit(FLOOD, JSON.stringify({ op: "setFlood", alertMm: 1600, ttlS: 100 }), now);
    gateway.commands.submit(FLOOD, JSON.stringify({ op: "setFlood", dangerMm: 2600, ttlS: 3600 }), now);
    gateway.commands.expire(now + 99_999);
    expect(expire).not.toHaveBeenCalled();
    gateway.commands.expire(now + 100_000);
    expect(expire).toHaveBeenCalledTimes(1);
    expect(gateway.store.commandList().map((c) => c.state)).toEqual(["queued", "expired"]);
    gateway.commands.expire(now + 3_599_999);
    expect(expire).toHaveBeenCalledTimes(1);
    gateway.commands.expire(now + 3_600_000);
    expect(expire).toHaveBeenCalledTimes(2);
    expect(gateway.store.commandList().map((c) => c.state)).toEqual(["expired", "expired"]);
    // none open: no sweep touches the store however late
    gateway.commands.expire(now + 365 * 86_400_000);
    expect(expire).toHaveBeenCalledTimes(2);
  });
});
