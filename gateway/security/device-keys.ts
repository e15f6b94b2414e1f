import { closeSync, fstatSync, openSync, readFileSync } from "node:fs";

export class DeviceKeysError extends Error {
  override name = "DeviceKeysError";
}

const HEX_KEY = /^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{64})$/;
const DEVICE_ID = /^[1-9]\d{0,4}$/;

/**
 * Reads device MIC keys from a JSON file `{ "<deviceId>": "<hex key>" }`. The file must be a
 * regular file that neither group nor others may access; the mode is checked on the open file,
 * so it cannot be swapped between the check and the read. Errors never quote key material.
 */
export function loadDeviceKeys(file: string): Map<number, Uint8Array> {
  let text: string;
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (err) {
    throw new DeviceKeysError(`cannot open device keys file ${file}: ${(err as NodeJS.ErrnoException).code ?? "error"}`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new DeviceKeysError(`device keys file ${file} is not a regular file`);
    if ((stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, "0");
      throw new DeviceKeysError(
        `device keys file ${file} has mode ${mode}, which lets group or others access it; ` +
          `run: chmod 600 '${file}' (and chown it to the gateway's user)`,
      );
    }
    text = readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
  return parseKeys(text, file);
}

function parseKeys(text: string, file: string): Map<number, Uint8Array> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // the parser's message can quote the file's text, keys included
    throw new DeviceKeysError(`device keys file ${file} is not valid JSON`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new DeviceKeysError(`device keys file ${file} must hold an object { "<deviceId>": "<hex key>" }`);
  }
  // one pass, without an [id, key] pair per unit: a fleet's keys are read at every start
  const ids: number[] = [];
  const hexKeys: string[] = [];
  const object = json as Record<string, unknown>;
  for (const id in object) {
    const key = object[id];
    if (!DEVICE_ID.test(id) || Number(id) > 65535) throw new DeviceKeysError(`${file}: "${id}" is not a device id 1..65535`);
    if (typeof key !== "string" || !HEX_KEY.test(key)) {
      throw new DeviceKeysError(`${file}: the key of device ${id} is not 32 or 64 hex digits`);
    }
    ids.push(Number(id));
    hexKeys.push(key);
  }
  const keys = new Map<number, Uint8Array>();
  keysFromHex(hexKeys).forEach((bytes, i) => keys.set(ids[i]!, bytes));
  return keys;
}

/**
 * Hex keys decoded into one buffer, a view of it each: an ArrayBuffer of its own per key took
 * some 250 bytes a unit (16 MiB at 65,535 units).
 */
export function keysFromHex(hexKeys: readonly string[]): Uint8Array[] {
  const slab = Buffer.alloc(hexKeys.reduce((n, hex) => n + hex.length / 2, 0));
  let at = 0;
  return hexKeys.map((hex) => {
    const length = slab.write(hex, at, "hex");
    at += length;
    return new Uint8Array(slab.buffer, slab.byteOffset + at - length, length);
  });
}
