import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { createLogger } from "../../gateway/log.js";
import { ServiceRunner, type Service } from "../../gateway/service.js";

function recorder() {
  const events: string[] = [];
  const service = (name: string, fail?: "start" | "stop"): Service => ({
    name,
    start: async () => {
      events.push(`start ${name}`);
      if (fail === "start") throw new Error(`${name} cannot start`);
    },
    stop: () => {
      events.push(`stop ${name}`);
      if (fail === "stop") throw new Error(`${name} cannot stop`);
    },
  });
  return { events, service };
}

describe("service lifecycle", () => {
  it("starts services in the listed order and stops them in reverse", async () => {
    const { events, service } = recorder();
    const runner = new ServiceRunner(createLogger("silent"));
    await runner.start([service("store"), service("broker"), service("links")]);
    await runner.stop();
    expect(events).toEqual(["start store", "start broker", "start links", "stop links", "stop broker", "stop store"]);
    await runner.stop(); // a second stop has nothing left to stop
    expect(events).toHaveLength(6);
  });

  it("stops what had started when a later service fails to start, and says which failed", async () => {
    const { events, service } = recorder();
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); done(); } });
    const runner = new ServiceRunner(pino(sink));
    await expect(runner.start([service("store"), service("http", "start"), service("links")])).rejects.toThrow("http cannot start");
    expect(events).toEqual(["start store", "start http", "stop store"]);
    expect(lines.find((l) => l.msg === "service failed to start")).toMatchObject({ service: "http", err: "http cannot start" });
  });

  it("gives every service its stop even when one fails to stop, then reports the failure", async () => {
    const { events, service } = recorder();
    const runner = new ServiceRunner(createLogger("silent"));
    await runner.start([service("store"), service("sender", "stop"), service("links")]);
    await expect(runner.stop()).rejects.toThrow("sender cannot stop");
    expect(events.slice(3)).toEqual(["stop links", "stop sender", "stop store"]);
  });
});
