// The provisioning console on XS: a blank unit is provisioned, reboots into its role, and from
// then on refuses changes that are not signed with its key and fresh.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ConsoleOp, ConsoleStatus, encodeConsoleRequest, parseConsoleResponse, type ConsoleResponse,
} from "../../firmware/core/console-protocol.js";
import { slipEncode } from "../../shared/slip.js";
import { startXs, type XsSession } from "../xs/harness.js";
import { deframe, envelopesIn } from "./fixtures/core-gateway.js";

const ENTRY = new URL("./fixtures/core-entry.ts", import.meta.url).pathname;
const KEY = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);
const fields = (result: unknown): Record<string, unknown> => Object.fromEntries(result as Map<string, unknown>);
const OTHER_KEY = Uint8Array.from({ length: 32 }, (_, i) => i);

describe("provisioning console on XS", () => {
  let xs: XsSession;
  const call = async <T>(fn: string, ...args: unknown[]): Promise<T> => (await xs.call<T>(fn, ...args)).value;

  /** Sends one request; returns the unit's single response, checked under `responseKey`. */
  async function ask(op: number, counter: number, args: unknown, sign?: Uint8Array, responseKey?: Uint8Array, ms = 0): Promise<ConsoleResponse> {
    const out = await call<Uint8Array>("consoleExchange", "unit", slipEncode(encodeConsoleRequest({ op, counter, args }, sign)), ms);
    const responses = deframe(out).filter((f) => f[0] === 0x63);
    expect(responses).toHaveLength(1);
    return parseConsoleResponse(responses[0]!, responseKey);
  }

  beforeAll(async () => {
    xs = await startXs(ENTRY, { name: "console" });
  });

  afterAll(async () => {
    await xs?.close();
  });

  it("provisions a blank unit, which then boots into its role and signs with the new key", async () => {
    expect(await call("bootBlank", "unit")).toBe(true);
    const info = await ask(ConsoleOp.info, 0, null);
    expect(info.status).toBe(ConsoleStatus.ok);
    expect(info.result).toEqual(new Map<string, unknown>([
      ["provisioned", false], ["keyed", false], ["firmware", 10000], ["counter", -1], ["uptimeS", 0],
    ]));
    const bad = await ask(ConsoleOp.setIdentity, 0, new Map<string, unknown>([["id", 300], ["key", KEY.subarray(0, 8)], ["role", "flood"]]));
    expect([bad.status, bad.result]).toEqual([ConsoleStatus.badRequest, "key must be 16..32 bytes"]);
    const set = await ask(ConsoleOp.setIdentity, 0, new Map<string, unknown>([["id", 300], ["key", KEY], ["role", "flood"]]));
    expect(set.status).toBe(ConsoleStatus.ok);

    const rebooted = await call<{ provisioned: boolean; written: Uint8Array }>("rebootBlank", "unit");
    expect(rebooted.provisioned).toBe(true);
    const [status] = envelopesIn(rebooted.written, KEY);
    expect(status!.envelope).toMatchObject({ type: "status", deviceId: 300, boot: 0, seq: 0 });
  });

  it("answers reads without a MIC but refuses unsigned, wrongly signed and replayed changes", async () => {
    const info = await ask(ConsoleOp.info, 0, null, undefined, KEY);
    expect(fields(info.result)).toMatchObject({ provisioned: true, keyed: true, id: 300, role: "flood", boot: 0, counter: -1 });
    // Responses of a keyed unit carry its MIC: a tool holding another key rejects them.
    await expect(ask(ConsoleOp.info, 0, null, undefined, OTHER_KEY)).rejects.toThrow(/MIC/);

    const change = new Map([["settings", new Map<string, unknown>([["statusS", 120], ["limit", 5]])]]);
    expect((await ask(ConsoleOp.setSettings, 1, change, undefined, KEY)).status).toBe(ConsoleStatus.unauthorized);
    expect((await ask(ConsoleOp.setSettings, 1, change, OTHER_KEY, KEY)).status).toBe(ConsoleStatus.unauthorized);
    const steal = new Map<string, unknown>([["id", 301], ["key", OTHER_KEY], ["role", "flood"]]);
    expect((await ask(ConsoleOp.setIdentity, 1, steal, undefined, KEY)).status).toBe(ConsoleStatus.unauthorized);
    expect((await ask(ConsoleOp.reboot, 1, null, undefined, KEY)).status).toBe(ConsoleStatus.unauthorized);

    const accepted = await ask(ConsoleOp.setSettings, 1, change, KEY, KEY);
    expect(accepted.status).toBe(ConsoleStatus.ok);
    expect(accepted.result).toEqual(new Map([["statusS", "applied"], ["limit", "applied"]]));
    // The very same signed request again is a replay.
    const replay = await ask(ConsoleOp.setSettings, 1, change, KEY, KEY);
    expect(replay.status).toBe(ConsoleStatus.replay);

    const refused = await ask(ConsoleOp.setSettings, 2, new Map([["settings", new Map<string, unknown>([["statusS", 5], ["link", "lora"], ["limit", -1]])]]), KEY, KEY);
    expect(refused.status).toBe(ConsoleStatus.refused);
    expect(refused.result).toEqual(new Map([
      ["statusS", "refused: statusS must be an integer in 30..86400"], ["link", "restart"], ["limit", "refused: the role does not accept this value"],
    ]));
    const read = await ask(ConsoleOp.getSettings, 0, new Map([["names", ["statusS", "limit", "link", "ackMs"]]]), undefined, KEY);
    expect(read.result).toEqual(new Map<string, unknown>([["statusS", 120], ["limit", 5], ["link", "lora"], ["ackMs", 2000]]));
  });

  it("self-tests, and reboots only on a signed request, keeping its settings", async () => {
    const test = await ask(ConsoleOp.selfTest, 0, null, undefined, KEY);
    expect(fields(test.result)).toMatchObject({
      batteryMv: 3700, storage: true, radio: false, queueDepth: 1, link: "serial", statusFits: true, clockSynced: false, role: "running",
    });
    // a role test changes what the unit shows: signed and fresh only; a role without tests says so
    const display = new Map([["test", "display"]]);
    expect((await ask(ConsoleOp.roleTest, 3, display, undefined, KEY)).status).toBe(ConsoleStatus.unauthorized);
    expect((await ask(ConsoleOp.roleTest, 3, null, KEY, KEY)).status).toBe(ConsoleStatus.badRequest);
    const none = await ask(ConsoleOp.roleTest, 4, display, KEY, KEY);
    expect([none.status, fields(none.result)]).toEqual([ConsoleStatus.ok, { pass: false, found: "role flood has no tests" }]);
    const reboot = await ask(ConsoleOp.reboot, 5, null, KEY, KEY, 500);
    expect(reboot.status).toBe(ConsoleStatus.ok);
    const after = await call<{ provisioned: boolean; restartsBefore: number; settings: Record<string, unknown> }>("rebootBlank", "unit");
    expect(after.restartsBefore).toBe(1);
    expect(after.provisioned).toBe(true);
    expect(after.settings).toMatchObject({ statusS: 120, limit: 5, link: "lora" });
    const info = await ask(ConsoleOp.info, 0, null, undefined, KEY);
    expect(fields(info.result)).toMatchObject({ boot: 1, counter: 5 });
  });
});
