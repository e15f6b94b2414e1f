import { rmSync } from "node:fs";
import { join } from "node:path";
import { Store } from "../../gateway/store/store.js";
import { tempDir } from "../support/temp.js";

export { reading } from "../support/readings.js";
export { MINUTE, T0 } from "../support/time.js";

/** A real store in a temp folder; `cleanup` closes it and removes the folder. */
export function tempStore(): { store: Store; cleanup: () => void } {
  const dir = tempDir("pantau-http-");
  const store = Store.open({ file: join(dir, "gateway.db") });
  return {
    store,
    cleanup: () => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function getJson(base: string, path: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(base + path, init);
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}
