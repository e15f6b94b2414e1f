import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Store, type StoreOptions } from "../../gateway/store/store.js";
import { tempDir } from "../support/temp.js";

export { reading } from "../support/readings.js";
export { DAY, MINUTE, T0 } from "../support/time.js";

/** A fresh folder per test file for store files; `cleanup` removes it with every SQLite file in it. */
export function storeFiles(prefix = "pantau-store-"): { dir: string; file: (name?: string) => string; cleanup: () => void } {
  const dir = tempDir(prefix);
  mkdirSync(join(dir, "data"));
  let n = 0;
  return {
    dir,
    file: (name = `store-${n++}.db`) => join(dir, "data", name),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Stores a test file opens on its files; `closeAll` (in afterEach) closes what is still open. */
export function storeOpener(files: { file: () => string }) {
  const open: Store[] = [];
  return {
    open(opts: Partial<StoreOptions> = {}): Store {
      const store = Store.open({ file: files.file(), ...opts });
      open.push(store);
      return store;
    },
    /** Closes a store early (to reopen its file) without `closeAll` closing it twice. */
    close(store: Store): void {
      open.splice(open.indexOf(store), 1);
      store.close();
    },
    closeAll(): void {
      for (const s of open.splice(0)) s.close();
    },
  };
}

/** A second, raw connection to look at the file the way an operator's sqlite3 would. */
export function inspect<T>(file: string, look: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true });
  try {
    return look(db);
  } finally {
    db.close();
  }
}
