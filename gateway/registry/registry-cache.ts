import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { FleetTable } from "./fleet-table.js";

/**
 * The registry cache: a fleet file already parsed, validated and checked, as its table, under a
 * fingerprint of the file's bytes and of the rules it was checked against. Any edit to the file
 * (or a gateway whose schema or role checks differ) changes the fingerprint, and the file is read
 * and checked again. A fleet that holds keys is never cached: keys stay in the files the user
 * keeps private.
 */
const FORMAT = "pantau-registry-cache 2";

/** `rules`: what the file is checked against (the schema, the roles' checks), as text. */
export function fingerprint(fleetFile: Buffer, rules: string): string {
  return createHash("sha256").update(`${FORMAT}\n${rules}\n`).update(fleetFile).digest("hex");
}

/** The table cached under this fingerprint, or undefined (none, another fleet's, unreadable). */
export function readCache(file: string, print: string): FleetTable | undefined {
  let text: string;
  try {
    // the cache is ASCII (see writeCache): read as latin1, a copy, where decoding UTF-8 took some 70 ms for 65,535 units
    text = readFileSync(file).toString("latin1");
  } catch {
    return undefined;
  }
  const header = `${FORMAT} ${print}\n`;
  if (!text.startsWith(header)) return undefined;
  try {
    return JSON.parse(text.slice(header.length)) as FleetTable;
  } catch {
    // a cache cut short (a crash while writing it before the rename, a full disk): read the fleet again
    return undefined;
  }
}

/**
 * Writes the cache whole or not at all (a temporary file renamed over it). A cache that cannot be
 * written only costs the next start its time: the error is the store's to report, which needs
 * the same directory.
 */
export function writeCache(file: string, print: string, table: FleetTable): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(temporary, `${FORMAT} ${print}\n${ascii(JSON.stringify(table))}`);
    renameSync(temporary, file);
  } catch {
    // see above
    rmSync(temporary, { force: true });
  }
}

/** JSON with every character past ASCII escaped (`\u00e9`): the same JSON, readable as latin1. */
function ascii(json: string): string {
  return json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
