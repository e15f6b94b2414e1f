import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import Database from "better-sqlite3";
import { build, type Plugin } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Store } from "../../gateway/store/store.js";
import { storeFiles } from "./helpers.js";

const FIXTURE = new URL("./fixtures/writer.ts", import.meta.url).pathname;
const BATCH = 10;
const ROUNDS = 4;

const tmp = storeFiles("pantau-kill-");
const children = new Set<ChildProcess>();
afterAll(() => {
  // a writer left running by a failed assertion would otherwise write forever
  for (const c of children) c.kill("SIGKILL");
  tmp.cleanup();
});

/** The native module stays where npm put it; the bundle imports it by absolute path from the temp folder. */
const nativeSqlite: Plugin = {
  name: "native-sqlite",
  setup(b) {
    const path = createRequire(import.meta.url).resolve("better-sqlite3");
    b.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path, external: true }));
  },
};

let writer: string;
beforeAll(async () => {
  writer = join(tmp.dir, "writer.mjs");
  await build({
    entryPoints: [FIXTURE], outfile: writer, bundle: true, platform: "node", format: "esm", target: "node20",
    plugins: [nativeSqlite], logLevel: "silent",
  });
});

/** Runs the writer from `first` and SIGKILLs it after it reported `commits` commits; returns the last seq it reported. */
function runAndKill(file: string, first: number, commits: number): Promise<number> {
  const child = spawn(process.execPath, [writer, file, String(first), String(BATCH)], { stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let reported = -1;
  let count = 0;
  let partial = "";
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout.on("data", (d: Buffer) => {
    const lines = (partial + d.toString()).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      reported = Number(line);
      count++;
    }
    if (count >= commits && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  return new Promise((resolve, reject) => {
    // "close" waits for stdout to drain: every line printed before the kill is counted
    child.on("close", (code, signal) => {
      children.delete(child);
      if (signal === "SIGKILL") resolve(reported);
      else reject(new Error(`writer exited with ${code}: ${stderr}`));
    });
  });
}

describe("store under kill -9", () => {
  it("keeps every reading committed before each kill, exactly once, and reopens cleanly", async () => {
    const file = tmp.file();
    let next = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const acked = await runAndKill(file, next, 20 + Math.floor(Math.random() * 40));
      expect(acked).toBeGreaterThanOrEqual(next + BATCH - 1);

      const raw = new Database(file);
      expect(raw.pragma("integrity_check", { simple: true })).toBe("ok");
      const seqs = raw.prepare<[], number>("SELECT seq FROM readings ORDER BY seq").pluck().all();
      raw.close();

      // everything acked is there; a batch committed but not yet acked may be too, never a partial one
      const top = seqs[seqs.length - 1] ?? -1;
      expect(top).toBeGreaterThanOrEqual(acked);
      expect((top + 1) % BATCH).toBe(0);
      expect(seqs).toEqual(Array.from({ length: top + 1 }, (_, i) => i));

      const store = Store.open({ file });
      const queued = store.outboxPeek(top + 2).map((m) => m.payload);
      expect(queued.map((p) => (JSON.parse(p) as { seq: number }).seq)).toEqual(seqs);
      expect(store.loadReplayWindows()).toMatchObject([{ deviceId: 7, boot: 1, top }]);
      store.close();
      // the device resends from its first unacked reading: some may already be stored
      next = acked + 1;
    }
  });
});
