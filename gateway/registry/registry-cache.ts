import { createHash, webcrypto } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { open, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { FleetTable } from "./fleet-table.js";

/**
 * The registry cache: a fleet file already parsed, validated and checked, as its table, under a
 * fingerprint of the file's bytes and of the rules it was checked against. Any edit to the file
 * (or a gateway whose schema or role checks differ) changes the fingerprint, and the file is read
 * and checked again. A fleet that holds keys is never cached: keys stay in the files the user
 * keeps private.
 */
const FORMAT = "pantau-registry-cache 3";

/** The SHA-256 of a fleet file's bytes, hex. */
export function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** `fleetSha256`: the file's bytes' (`sha256`); `rules`: what the file is checked against (the schema, the roles' checks), as text. */
export function fingerprint(fleetSha256: string, rules: string): string {
  return createHash("sha256").update(`${FORMAT}\n${rules}\n${fleetSha256}`).digest("hex");
}

/** A fleet file as read: its bytes and its mode (keys in it need a private file). */
export interface FleetFile {
  bytes: Buffer;
  mode: number;
}

/** The fleet file with the SHA-256 of its bytes, and the cache's bytes, as far as they could be read. */
export interface Prefetched {
  fleet?: FleetFile & { sha256: string };
  cache?: Buffer;
}

/**
 * Reads the fleet file and the cache, and hashes the fleet file, on libuv's threads: `pantau
 * gateway` starts this before it loads its modules, which hold the event loop's thread meanwhile
 * (65,535 units: 13.7 MB read and hashed, 5 MB of cache, some 100 ms of that thread's time at a
 * load of 6). What cannot be read is left out: `Registry.load` reads it again and says why not.
 */
export async function prefetch(fleetFile: string, cacheFile: string): Promise<Prefetched> {
  const [fleet, cache] = await Promise.all([readHashed(fleetFile).catch(() => undefined), readFile(cacheFile).catch(() => undefined)]);
  return { ...(fleet ? { fleet } : {}), ...(cache ? { cache } : {}) };
}

async function readHashed(file: string): Promise<FleetFile & { sha256: string }> {
  const handle = await open(file, "r");
  try {
    const { mode } = await handle.stat();
    const bytes = await handle.readFile();
    return { bytes, mode, sha256: Buffer.from(await webcrypto.subtle.digest("SHA-256", bytes)).toString("hex") };
  } finally {
    await handle.close();
  }
}

/** The table cached under this fingerprint, or undefined (none, another fleet's, unreadable); `bytes`: the cache as read already. */
export function readCache(file: string, print: string, bytes?: Buffer): FleetTable | undefined {
  let text: string;
  try {
    // the cache is ASCII (see writeCache): read as latin1, a copy, where decoding UTF-8 took some 70 ms for 65,535 units
    text = (bytes ?? readFileSync(file)).toString("latin1");
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
