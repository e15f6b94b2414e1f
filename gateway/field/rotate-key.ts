// `pantau fleet rotate-key`: a new key for an installed unit, on its port. The unit, the keys file
// and the registry change together: the new key goes into the journal first, then to the unit
// (a set identity signed with the old key), and the fleet files take it only once the unit answers
// under it. Run the same command again after an interruption: it finishes what was started.

import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { ConsoleOp } from "../../firmware/core/console-protocol.js";
import { KEY_MAX_BYTES } from "../../firmware/core/identity.js";
import { CliError } from "../cli/errors.js";
import { FleetFiles, writeAtomically, type FleetPaths } from "./fleet-files.js";
import { journalPath, type Journal } from "./journal.js";
import { Steps } from "./steps.js";
import { infoFields, UnitPort } from "./unit-port.js";

export async function rotateKey(path: string, paths: FleetPaths, baud?: number, steps = new Steps()): Promise<{ id: number; seconds: number }> {
  const files = FleetFiles.load(paths);
  const unit = await UnitPort.open(path, baud);
  try {
    const id = Number(infoFields(await unit.ok(ConsoleOp.info, 0, null)).id);
    const entry = files.entry(id);
    const oldKey = files.keyOf(id);
    if (!entry || !oldKey) throw new CliError(`unit ${Number.isNaN(id) ? "?" : id} on ${path} is not in the fleet registry with a key`, "provision it first (pantau provision), or pass the right --config");
    const journalFile = journalPath(paths, id);
    const journal = existsSync(journalFile) ? (JSON.parse(readFileSync(journalFile, "utf8")) as Journal) : undefined;
    const newKey = journal?.key ?? randomBytes(KEY_MAX_BYTES / 2).toString("hex");
    const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex, "hex"));
    unit.key = bytes(oldKey);
    const counter = await unit.ok(ConsoleOp.info, 0, null).then((r) => Number(infoFields(r).counter), () => undefined);
    if (counter === undefined) {
      unit.key = journal ? bytes(newKey) : undefined;
      if (!journal || !(await unit.ok(ConsoleOp.info, 0, null).then(() => true, () => false))) {
        throw new CliError(`unit ${id} on ${path} holds neither the registry's key nor a new one this laptop made`, "it was re-keyed elsewhere; its flash must be erased and the unit provisioned again");
      }
      steps.note("resuming: the unit already holds the new key");
    } else {
      writeAtomically(journalFile, `${JSON.stringify({ id, key: newKey, role: entry.role } satisfies Journal)}\n`, 0o600);
      await steps.run(`giving unit ${id} a new key (signed with the old one)`, () =>
        unit.ok(ConsoleOp.setIdentity, counter + 1, new Map<string, unknown>([["id", id], ["key", bytes(newKey)], ["role", entry.role]]), true));
      unit.key = bytes(newKey);
      await steps.run("checking the unit answers under the new key", () => unit.ok(ConsoleOp.info, 0, null));
    }
    files.put(entry, newKey);
    rmSync(journalFile, { force: true });
    return { id, seconds: steps.elapsedS() };
  } finally {
    await unit.close();
  }
}
