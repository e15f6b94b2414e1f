import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { DeviceKeysError, loadDeviceKeys } from "../../gateway/security/device-keys.js";
import { runPasswd } from "../../gateway/security/hash-password.js";
import { parsePasswordHash, verifyPassword } from "../../gateway/security/scrypt.js";

const dir = mkdtempSync(join(tmpdir(), "pantau-keys-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KEY_101 = "00112233445566778899aabbccddeeff";
const KEY_102 = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

function keysFile(name: string, content: string, mode: number): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  chmodSync(file, mode); // explicit: writeFileSync's mode is filtered by the umask
  return file;
}

describe("loadDeviceKeys", () => {
  const json = JSON.stringify({ "101": KEY_101, "102": KEY_102 });

  it("loads a 0600 file into key bytes by device id", () => {
    const keys = loadDeviceKeys(keysFile("ok.json", json, 0o600));
    expect([...keys.keys()]).toEqual([101, 102]);
    expect(Buffer.from(keys.get(101)!).toString("hex")).toBe(KEY_101);
    expect(keys.get(102)).toHaveLength(32);
    expect(loadDeviceKeys(keysFile("ro.json", json, 0o400)).size).toBe(2);
  });

  it("refuses a 0644 file and says which chmod to run", () => {
    const file = keysFile("open.json", json, 0o644);
    expect(() => loadDeviceKeys(file)).toThrow(DeviceKeysError);
    expect(() => loadDeviceKeys(file)).toThrow(`mode 0644, which lets group or others access it; run: chmod 600 '${file}'`);
  });

  it("refuses group-only access too (0640, 0660, 0604)", () => {
    for (const mode of [0o640, 0o660, 0o604, 0o601]) {
      expect(() => loadDeviceKeys(keysFile(`m${mode.toString(8)}.json`, json, mode)), mode.toString(8)).toThrow(/chmod 600/);
    }
  });

  it("never puts key material into its errors", () => {
    const broken = keysFile("broken.json", `{ "101": "${KEY_101}", oops }`, 0o600);
    const badKey = keysFile("badkey.json", JSON.stringify({ "101": `${KEY_101}zz` }), 0o600);
    const badId = keysFile("badid.json", JSON.stringify({ "0": KEY_101 }), 0o600);
    for (const [file, message] of [
      [broken, /not valid JSON/],
      [badKey, /key of device 101 is not 32 or 64 hex digits/],
      [badId, /"0" is not a device id/],
    ] as const) {
      let error: unknown;
      try {
        loadDeviceKeys(file);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(DeviceKeysError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain(KEY_101.slice(0, 8));
    }
  });

  it("reports a missing file and a directory clearly", () => {
    expect(() => loadDeviceKeys(join(dir, "absent.json"))).toThrow(/cannot open device keys file .*absent\.json: ENOENT/);
    const sub = join(dir, "a-dir");
    mkdirSync(sub, { mode: 0o700 });
    expect(() => loadDeviceKeys(sub)).toThrow(/is not a regular file/);
  });
});

async function passwd(input: string): Promise<string> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  await runPasswd({ stdin: Readable.from([input]), stdout, stderr });
  return out;
}

describe("pantau passwd (runPasswd)", () => {
  it("prints a hash of the first stdin line that verifies against that password", async () => {
    const out = await passwd("s3cret pass\nignored\n");
    expect(out).toMatch(/^scrypt\$N=16384,r=8,p=1\$\S+\n$/);
    const hash = parsePasswordHash(out.trim());
    expect(await verifyPassword(Buffer.from("s3cret pass"), hash)).toBe(true);
    expect(await verifyPassword(Buffer.from("s3cret pass\n"), hash)).toBe(false);
  });

  it("takes a password without a trailing newline, and refuses an empty one", async () => {
    expect(await verifyPassword(Buffer.from("no-newline"), parsePasswordHash((await passwd("no-newline")).trim()))).toBe(true);
    await expect(passwd("")).rejects.toThrow(/empty password/);
    await expect(passwd("\n")).rejects.toThrow(/empty password/);
  });
});
