// `pantau provision`: gives a unit on the technician's port its identity, key and settings, proves
// it holds the key, and only then adds it to the registry and the keys file.
//
// Resumable: the new key goes into a journal (mode 0600, beside the keys file) before it goes to
// the unit, and the journal is removed only once the registry holds the unit. Run the same command
// again after any interruption: a unit whose answers verify under the journal's key is taken up
// where it stopped; a unit holding another key is refused.

import { randomBytes, randomInt } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { ConsoleOp } from "../../firmware/core/console-protocol.js";
import { KEY_MAX_BYTES } from "../../firmware/core/identity.js";
import type { SettingValue } from "../../firmware/core/settings.js";
import { versionText } from "../../firmware/core/version.js";
import { AckResult, type RoleName } from "../../shared/messages.js";
import { allRoles, roleNames } from "../../shared/roles/catalog.js";
import { CliError } from "../cli/errors.js";
import { ackFrame } from "../downlink/ack.js";
import type { DeviceEntry } from "../registry/registry.js";
import { FleetFiles, writeAtomically, type FleetPaths } from "./fleet-files.js";
import { journalPath, type Journal } from "./journal.js";
import { labelHtml } from "./label.js";
import { Steps } from "./steps.js";
import { infoFields, UnitPort } from "./unit-port.js";

export interface ProvisionOptions {
  port: string;
  baud?: number;
  id: number;
  role?: RoleName;
  site?: string;
  name?: string;
  lat?: number;
  lon?: number;
  road?: string;
  direction?: string;
  /** the loop's lane digits, one per loop (its `lanes` setting) */
  lanes?: string;
  set: Record<string, SettingValue>;
  paths: FleetPaths;
  /** where the label goes; default beside the registry */
  label?: string;
  /** how long to wait for the unit to boot into its role */
  bootTimeoutMs?: number;
}

export interface Provisioned {
  entry: DeviceEntry;
  label: string;
  seconds: number;
  resumed: boolean;
  boot: number;
}


export async function provision(o: ProvisionOptions, steps = new Steps()): Promise<Provisioned> {
  const files = FleetFiles.load(o.paths);
  const journalFile = journalPath(o.paths, o.id);
  const journal = existsSync(journalFile) ? (JSON.parse(readFileSync(journalFile, "utf8")) as Journal) : undefined;
  const planned = files.entry(o.id);
  if (files.keyOf(o.id) !== undefined && !(journal && files.keyOf(o.id) === journal.key)) {
    throw new CliError(`unit ${o.id} is already in the fleet registry (${planned?.name ?? "keys file"}), with a key`,
      "pick another --id, or give an installed unit a new key with pantau fleet rotate-key");
  }
  const { entry, settings } = plan(o, planned);
  if (journal && journal.role !== entry.role) {
    throw new CliError(`unit ${o.id} was being provisioned as a ${journal.role}, not a ${entry.role}`, `run it again with --role ${journal.role}`);
  }
  const key = journal?.key ?? randomBytes(KEY_MAX_BYTES / 2).toString("hex");
  const keyBytes = Uint8Array.from(Buffer.from(key, "hex"));

  const unit = await UnitPort.open(o.port, o.baud);
  try {
    const info = await steps.run(`reading the unit on ${o.port}`, () => unit.ok(ConsoleOp.info, 0, null).then(infoFields));
    let counter = Number(info.counter ?? -1);
    let resumed = false;
    if (info.keyed === true) {
      unit.key = keyBytes;
      try {
        counter = Number(infoFields(await unit.ok(ConsoleOp.info, 0, null)).counter);
        resumed = true;
      } catch {
        unit.key = undefined;
        throw new CliError(
          `the unit on ${o.port} is already provisioned${info.id !== undefined ? ` as unit ${String(info.id)} (${String(info.role)})` : ""} with a key this laptop does not hold`,
          "to give it a new key use pantau fleet rotate-key; a unit whose key is lost must have its flash erased (docs/firmware.md)",
        );
      }
      steps.note(`resuming: the unit already holds the key of an interrupted provisioning of ${o.id}`);
    } else {
      // the key is kept before the unit gets it: whatever happens next, it is not lost
      writeAtomically(journalFile, `${JSON.stringify({ id: o.id, key, role: entry.role } satisfies Journal)}\n`, 0o600);
      await steps.run(`giving it identity ${o.id} (${entry.role}) and a new key`, () =>
        unit.ok(ConsoleOp.setIdentity, 0, new Map<string, unknown>([["id", o.id], ["key", keyBytes], ["role", entry.role]])));
      unit.key = keyBytes;
    }
    if (Object.keys(settings).length > 0) {
      await steps.run(`setting ${Object.entries(settings).map(([k, v]) => `${k}=${String(v)}`).join(" ")}`, () =>
        unit.ok(ConsoleOp.setSettings, ++counter, new Map([["settings", new Map(Object.entries(settings))]]), true));
    }
    const status = await steps.run("rebooting into its role (signed) and waiting for its status frame", async () => {
      const booted = unit.waitFor((env) => env.type === "status" && env.deviceId === o.id, o.bootTimeoutMs ?? 15_000, "status frame after the reboot");
      await unit.ok(ConsoleOp.reboot, ++counter, null, true);
      return booted;
    });
    // acked as the gateway would: the unit's clock is set, and it does not hold the frame for resends
    unit.send(ackFrame({ device: { ...entry, keyBytes }, envelope: status, origin: { source: o.port }, result: AckResult.ok }));
    const test = await steps.run("self-test, its answer checked under the new key", async () => {
      // an unsigned read, but the answer carries the unit's MIC over this fresh number
      const result = infoFields(await unit.ok(ConsoleOp.selfTest, randomInt(1, 0xffffffff), null));
      const problems = [
        result.storage !== true && "its flash did not read back what was written",
        result.role !== "running" && `its role is not running (${String(result.role)})`,
        result.statusFits !== true && "its status frame is too large for its link",
      ].filter((p): p is string => typeof p === "string");
      if (problems.length) throw new CliError(`self-test failed: ${problems.join("; ")}`, "fix the unit, then run the same command again to finish");
      return result;
    });
    files.put(entry, key);
    rmSync(journalFile, { force: true });
    const label = o.label ?? join(dirname(o.paths.registry), `unit-${o.id}-label.html`);
    const firmware = versionText(Number(info.firmware));
    writeAtomically(label, await labelHtml(entry, new Date(), firmware), 0o644);
    steps.note(`battery ${(Number(test.batteryMv) / 1000).toFixed(2)} V, link ${String(test.link)}, boot ${status.boot}, firmware ${firmware}`);
    return { entry, label, seconds: steps.elapsedS(), resumed, boot: status.boot };
  } finally {
    await unit.close();
  }
}

/** The registry entry and the unit's settings, from the options over what the registry planned. */
function plan(o: ProvisionOptions, planned: DeviceEntry | undefined): { entry: DeviceEntry; settings: Record<string, SettingValue> } {
  const role = o.role ?? planned?.role;
  const site = o.site ?? planned?.site;
  if (!role) throw new CliError(`unit ${o.id} is not in the registry, so its role is needed`, `add --role ${roleNames().join("|")}`);
  if (!site) throw new CliError(`unit ${o.id} is not in the registry, so its site is needed`, "add --site <site id>, e.g. --site smg-pemuda-01");
  if (planned && planned.role !== role) throw new CliError(`the registry plans unit ${o.id} as a ${planned.role}, not a ${role}`, `drop --role, or fix the registry`);
  const lat = o.lat ?? planned?.location.lat;
  const lon = o.lon ?? planned?.location.lon;
  if (lat === undefined || lon === undefined) throw new CliError(`where unit ${o.id} stands is needed`, "add --lat and --lon (decimal degrees)");
  const settings: Record<string, SettingValue> = { ...o.set };
  if (o.lanes !== undefined) Object.assign(settings, { lanes: o.lanes, loops: o.lanes.length });
  const { key: _key, ...base } = planned ?? ({} as Partial<DeviceEntry>);
  const entry: DeviceEntry = {
    ...base,
    id: o.id, role, site,
    name: o.name ?? planned?.name ?? `${role} ${o.id}`,
    location: { lat, lon },
    ...(o.road ?? planned?.road ? { road: o.road ?? planned?.road } : {}),
    ...(o.direction ?? planned?.direction ? { direction: o.direction ?? planned?.direction } : {}),
  };
  // what the registry says about the role and what the unit is set to are one fact, written to both
  if (role === "flood") {
    const mm = (name: string, m: number | undefined) => (typeof settings[name] === "number" ? (settings[name] as number) : m === undefined ? undefined : Math.round(m * 1000));
    const referenceMm = mm("referenceMm", planned?.flood?.referenceLevelM);
    if (referenceMm === undefined) throw new CliError("a flood unit needs its sensor's height above the channel bed", "add --set referenceMm=<mm> (and alertMm, dangerMm)");
    Object.assign(settings, { referenceMm, alertMm: mm("alertMm", planned?.flood?.alertLevelM) ?? 1000, dangerMm: mm("dangerMm", planned?.flood?.dangerLevelM) ?? 1500 });
    entry.flood = { referenceLevelM: referenceMm / 1000, alertLevelM: (settings.alertMm as number) / 1000, dangerLevelM: (settings.dangerMm as number) / 1000 };
  }
  if (role === "sign") {
    const limit = typeof settings.limitKmh === "number" ? settings.limitKmh : planned?.sign?.speedLimitKmh ?? 50;
    settings.limitKmh = limit;
    entry.sign = { speedLimitKmh: limit };
  }
  if (role === "loop" && typeof settings.lanes === "string") {
    entry.lanes = [...new Set([...settings.lanes].map(Number))].map((lane) => planned?.lanes?.find((l) => l.lane === lane) ?? { lane });
  }
  // the role's reporting interval is what the gateway's health expects of it
  const interval = allRoles().find((r) => r.name === role)?.health.intervalSetting;
  if (interval && typeof settings[interval] === "number") entry.reportIntervalS = settings[interval] as number;
  return { entry, settings };
}
