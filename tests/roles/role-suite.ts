// One suite every role passes, as aedes tests every persistence with one abstract suite: the
// role's firmware runs on XS on a simulated board (a shortened day), its frames fit the air and
// go through the real gateway (pipeline, normalizer, published schemas, health), and each setting
// a command may carry makes the round trip from the command center's JSON to the unit's flash.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkForDevice, commandFrame, describeAnswer, reportIntervalSet, validateCommand, wireBody, type Command } from "../../gateway/commands/translate.js";
import type { Gateway } from "../../gateway/gateway.js";
import { healthAlarm, OFFLINE_SEVERITY } from "../../gateway/health/alarms.js";
import { DeviceHealth } from "../../gateway/health/device-health.js";
import { outputValidator } from "../../gateway/normalize/schemas.js";
import type { DeviceEntry } from "../../gateway/registry/registry.js";
import { gatewayRole } from "../../gateway/roles/index.js";
import { encodeFrame } from "../../shared/envelope.js";
import { CommandOp, CommandResultCode, MAX_AIR_FRAME, type CommandResultBody } from "../../shared/messages.js";
import { CommandKey, commandSettingList, roleNamed, roleSends, type CommandSettingInfo } from "../../shared/roles/catalog.js";
import type { SettingRule, SettingValue } from "../../shared/settings.js";
import { slipEncode } from "../../shared/slip.js";
import { ackBytes, envelopesIn, nodeMac, type Received } from "../firmware/fixtures/core-gateway.js";
import { startTestGateway } from "../support/gateway.js";
import { collect, waitFor, type Received as Published } from "../support/mqtt.js";
import { T0 } from "../support/time.js";
import { startXs, type XsSession } from "../xs/harness.js";

const ENTRY = new URL("./fixtures/unit-entry.ts", import.meta.url).pathname;
const GATEWAY_TIME_S = 1_795_406_400;

export interface RoleCase {
  role: string;
  /** its registry entry: id, site, location and the sections the role needs */
  device: Omit<DeviceEntry, "role" | "key">;
  /** provisioned settings for the run (e.g. short intervals) */
  settings: Record<string, SettingValue>;
  /** simulated time the unit runs, ms, and the role's own messages it must send meanwhile */
  runMs: number;
  minReports: number;
}

export function roleSuite(c: RoleCase): void {
  describe(`role ${c.role}`, () => {
    const KEY = Uint8Array.from({ length: 16 }, (_, i) => (c.device.id + i) & 0xff);
    const entry: DeviceEntry = { ...c.device, role: c.role, key: Buffer.from(KEY).toString("hex") };
    const descriptor = () => roleNamed(c.role)!;
    let xs: XsSession;
    let gateway: Gateway;
    let sub: Awaited<ReturnType<typeof collect>>;
    const call = async <T>(fn: string, ...args: unknown[]): Promise<T> => (await xs.call<T>(fn, ...args)).value;

    /** Acks every frame in `written` and what follows; each frame once (not its resends). */
    async function settle(written: Uint8Array): Promise<Received[]> {
      const seen: Received[] = [];
      const numbers = new Set<string>();
      const fresh = (frames: Received[]) => frames.filter((r) => {
        const n = `${r.envelope.boot}:${r.envelope.seq}`;
        return numbers.has(n) ? false : (numbers.add(n), true);
      });
      let pending = fresh(envelopesIn(written, KEY));
      while (pending.length > 0) {
        seen.push(...pending);
        const next: Received[] = [];
        for (const { envelope } of pending) next.push(...envelopesIn(await call<Uint8Array>("deliver", c.role, ackBytes(envelope, KEY, GATEWAY_TIME_S)), KEY));
        pending = fresh(next);
      }
      return seen;
    }
    const answers = (received: Received[]) => received.filter((r) => r.envelope.type === "commandResult").map((r) => r.envelope.body as CommandResultBody);
    const state = () => call<{ settings: Record<string, unknown>; stored: Record<string, unknown> }>("state", c.role);
    const current = async (name: string, fallback: number) => ((await state()).settings[name] as number | undefined) ?? fallback;

    beforeAll(async () => {
      xs = await startXs(ENTRY, { name: `role-${c.role}` });
      gateway = await startTestGateway({}, undefined, [entry]);
      sub = await collect(`mqtt://127.0.0.1:${gateway.broker.port}`, `pantau/v1/${c.device.site}/${c.device.id}/#`);
    });

    afterAll(async () => {
      await sub?.client.endAsync();
      await gateway?.stop();
      await xs?.close();
    });

    it("runs on XS: every frame fits the air and the gateway takes it, normalized to its published schema", { timeout: 300_000 }, async () => {
      const frames = await settle(await call<Uint8Array>("bootUnit", c.role, { deviceId: c.device.id, key: KEY, role: c.role, settings: c.settings }));
      const stepMs = 10_000;
      for (let t = 0; t < c.runMs; t += stepMs) frames.push(...await settle(await call<Uint8Array>("advance", c.role, stepMs)));
      for (const f of frames) expect(f.frame.length, f.envelope.type).toBeLessThanOrEqual(MAX_AIR_FRAME);
      for (const f of frames) expect(roleSends(c.role, f.envelope.type), f.envelope.type).toBe(true);
      const reports = frames.filter((f) => f.envelope.type in descriptor().messages);
      expect(reports.length).toBeGreaterThanOrEqual(c.minReports);
      for (const f of frames) expect(await gateway.pipeline.handleFrame(f.frame, { source: "xs" }), f.envelope.type).toBe("accepted");
      const published = await waitFor("every frame published", () => sub.messages.length >= frames.length && sub.messages);
      const kinds = new Set<string>();
      for (const m of published) {
        const kind = m.topic.split("/")[4]!;
        kinds.add(kind);
        const validate = outputValidator(kind);
        expect(validate(m.payload), `${kind}: ${JSON.stringify(validate.errors)}`).toBe(true);
      }
      expect([...kinds].every((k) => k === "status" || k === "alarm" || k in gatewayRole(c.role)!.outputs)).toBe(true);
      expect((published as Published[]).find((m) => m.topic.endsWith("/status"))?.payload.role).toBe(c.role);
    });

    it("takes each setting a command may carry, from the command center's JSON to its flash, and keeps it over a restart", { timeout: 120_000 }, async () => {
      const settings = commandSettingList().filter((s) => s.role === undefined || s.role === c.role);
      expect(settings.length).toBeGreaterThan(0);
      let id = 1000;
      for (const info of settings) {
        const value = nextValue(info, await current(info.name, info.spec.default));
        const command: Command = { op: info.spec.command.op, [info.name]: value };
        expect(validateCommand(command), JSON.stringify(validateCommand.errors)).toBe(true);
        expect(checkForDevice(command, gateway.registry.get(c.device.id)!)).toBeUndefined();
        const frame = commandFrame(command, ++id, GATEWAY_TIME_S * 1000 + id, gateway.registry.get(c.device.id)!, Date.now());
        expect(frame.length).toBeLessThanOrEqual(MAX_AIR_FRAME);
        const [answer] = answers(await settle(await call<Uint8Array>("deliver", c.role, slipEncode(frame))));
        expect(describeAnswer(answer!.result, answer!.detail), info.name).toEqual({ state: "applied", detail: "applied by the unit" });
        expect((await state()).settings[info.name], info.name).toBe(value);
      }
      await settle(await call<Uint8Array>("restartUnit", c.role));
      const after = await state();
      for (const info of settings) expect(after.stored[info.name], info.name).toBe(after.settings[info.name]);
    });

    it("refuses settings that break the role's rules, at the gateway and on the unit", { timeout: 120_000 }, async () => {
      const commandable = new Set(commandSettingList().map((s) => s.name));
      const rules = (descriptor().rules ?? []).filter((r) => r.keys.every((k) => commandable.has(k)));
      let id = 5000;
      for (const rule of rules) {
        const values: Record<string, number> = {};
        for (const k of rule.keys) values[k] = await current(k, specOf(k).default);
        values[rule.blame] = breaking(rule, values);
        const op = specOf(rule.blame).command!.op;
        const command: Command = { op, ...values };
        expect(checkForDevice(command, gateway.registry.get(c.device.id)!), rule.says).toMatch(new RegExp(`^${rule.blame} \\(`));
        const body = wireBody(command, ++id, 0);
        const frame = encodeFrame({ type: "command", deviceId: c.device.id, boot: 0, seq: 0, timeS: GATEWAY_TIME_S + id, body }, KEY, nodeMac);
        const [answer] = answers(await settle(await call<Uint8Array>("deliver", c.role, slipEncode(frame))));
        expect(answer?.result, rule.says).toBe(CommandResultCode.rejected);
        expect(rule.keys.map((k) => CommandKey[k])).toContain(answer?.detail);
        expect(body.op).toBe(CommandOp.set);
      }
    });

    it("is watched by health with its own defaults", () => {
      const { health } = descriptor();
      const watch = new DeviceHealth([{ id: c.device.id, role: c.role }], { startedAt: T0 });
      expect(watch.snapshot(c.device.id)!.expectedInterval).toBe(health.intervalS);
      const [offline] = watch.tick(T0 + health.intervalS * 2500 + 1);
      expect(offline?.kind).toBe("offline");
      expect(healthAlarm(offline!, c.role).severity).toBe(OFFLINE_SEVERITY[health.offlineSeverity]);
      if (health.intervalSetting) expect(reportIntervalSet({ op: "setIntervals", [health.intervalSetting]: 42 }, c.role)).toBe(42);
    });
  });
}

function specOf(name: string): CommandSettingInfo["spec"] {
  return commandSettingList().find((s) => s.name === name)!.spec;
}

/** A value other than the current one that the setting allows. */
function nextValue(info: CommandSettingInfo, now: number): number {
  const { spec } = info;
  if (spec.allowed) return spec.allowed.find((v) => v !== now)!;
  return now + 1 <= spec.max ? now + 1 : now - 1;
}

/** A value of the rule's blamed key, within its range, that breaks the rule with the others as they are. */
function breaking(rule: SettingRule, values: Record<string, number>): number {
  const spec = specOf(rule.blame);
  const others = rule.keys.filter((k) => k !== rule.blame).map((k) => values[k]!);
  const candidates = [spec.min, spec.max, ...others, ...others.map((v) => v - 1), ...others.map((v) => v + 1)];
  const found = candidates.find((v) => v >= spec.min && v <= spec.max && !rule.holds({ ...values, [rule.blame]: v }));
  if (found === undefined) throw new Error(`no value of ${rule.blame} breaks "${rule.says}"`);
  return found;
}
