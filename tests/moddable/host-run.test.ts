// The firmware on the Moddable runtime: the device build's modules, preloaded as on the device,
// in a headless x-cli-lin program driven by the simulated board and physics. Each role's unit
// runs for hours of simulated time; every frame it sends is verified and decoded by the gateway's
// pipeline, and the machine's measured stack and heap must fit each board's creation values
// with 25 % to spare.

import { beforeAll, describe, expect, it } from "vitest";
import { boardTargets, configure, readManifest, type Configured } from "../../gateway/firmware-build/board.js";
import { buildHost, runHost, SCENARIO_HOURS, type HostBuild, type HostRun } from "../../gateway/firmware-build/host.js";
import { describeMargins, margins } from "../../gateway/firmware-build/margins.js";
import { normalize } from "../../gateway/normalize/index.js";
import { outputValidator } from "../../gateway/normalize/schemas.js";
import { verifyFrame } from "../../gateway/pipeline/verify.js";
import { ReplayWindows } from "../../gateway/pipeline/replay-window.js";
import { Registry, type DeviceEntry } from "../../gateway/registry/registry.js";
import type { RoleName } from "../../shared/messages.js";
import { moddable, PROJECT_ROOT } from "../support/moddable.js";
import { tempDir } from "../support/temp.js";

/** The kinds of frame each run must deliver, besides status. */
const EXPECTED: Readonly<Record<string, readonly string[]>> = {
  loop: ["loopInterval"],
  sign: ["signStats", "signHistogram"],
  flood: ["floodReport", "floodAlarm"],
  bridge: ["floodReport"],
};

function registryFor(run: HostRun): Registry {
  return new Registry(run.units.map((u): DeviceEntry => ({
    id: u.deviceId, role: u.role as RoleName, key: u.key, site: "moddable-host", name: `host ${u.role} ${u.deviceId}`, location: { lat: 0, lon: 0 },
    ...(u.role === "flood" ? { flood: { referenceLevelM: 4.2, alertLevelM: 1.5, dangerLevelM: 2.5 } } : {}),
    ...(u.role === "sign" ? { sign: { speedLimitKmh: 40 } } : {}),
  })));
}

describe.skipIf(!moddable)("the firmware on the Moddable runtime, preloaded as on the device", () => {
  let host: HostBuild;
  let boards: Configured[];

  beforeAll(async () => {
    const out = tempDir("pantau-host-");
    host = await buildHost(moddable!, PROJECT_ROOT, out);
    boards = [];
    for (const target of boardTargets(readManifest(PROJECT_ROOT))) boards.push(await configure(moddable!, PROJECT_ROOT, target, `${out}/${target.board}`, { debug: false }));
    console.log(`host program built in ${host.seconds.toFixed(0)} s (${host.linkedKeys} keys linked)`);
  });

  for (const role of Object.keys(EXPECTED)) {
    it(`runs a ${role} unit for ${SCENARIO_HOURS[role]!} h: every frame verified and decoded, margins of 25 % on every board`, async () => {
      const run = await runHost(host, role, SCENARIO_HOURS[role]!);
      const registry = registryFor(run);
      const kinds = new Map<string, number>();
      for (const frame of run.frames) {
        const { envelope, device, verdict } = verifyFrame(frame, registry, new ReplayWindows());
        expect(verdict).toBe("fresh");
        const normalized = normalize(envelope, device, new Date());
        const valid = outputValidator(normalized.kind);
        expect(valid(normalized.payload), JSON.stringify(valid.errors)).toBe(true);
        kinds.set(envelope.type, (kinds.get(envelope.type) ?? 0) + 1);
      }
      console.log(`${role}: ${SCENARIO_HOURS[role]!} h in ${run.seconds.toFixed(0)} s, ${run.frames.length} frames (${[...kinds].map(([k, n]) => `${n} ${k}`).join(", ")}), ${run.acks} acked`);
      for (const kind of ["status", ...EXPECTED[role]!]) expect(kinds.get(kind) ?? 0, `${kind} frames; the units traced: ${run.traces.slice(0, 5).join(" | ")}`).toBeGreaterThan(0);
      expect(run.acks).toBe(run.frames.length);
      for (const board of boards) {
        const list = margins(run, host.linkedKeys, board.creation);
        console.log(`${board.target.board} ${describeMargins(role, list)}`);
        expect(list.filter((m) => !m.ok), board.target.board).toEqual([]);
      }
      console.log(`${role} measured: boot ${JSON.stringify(run.boot)}, end ${JSON.stringify(run.end)}`);
    });
  }
});
