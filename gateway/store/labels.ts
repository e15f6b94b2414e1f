import type { Database, Statement } from "better-sqlite3";

/**
 * The strings many readings share (message types, kinds, topics), each stored once in `labels`
 * and referred to by its id. A label is never changed or deleted, so both directions are cached;
 * a label another connection added is looked up on a miss. Ids handed out inside a transaction
 * are forgotten by `rollback()` when it fails, as the rows they name are gone with it.
 */
export class Labels {
  private readonly ids = new Map<string, number>();
  private readonly texts = new Map<number, string>();
  /** labels added by the open transaction */
  private added: string[] = [];
  private readonly s: {
    find: Statement<[string], number>;
    text: Statement<[number], string>;
    insert: Statement<[string]>;
  };

  constructor(db: Database) {
    this.s = {
      find: db.prepare<[string], number>("SELECT id FROM labels WHERE text = ?").pluck(),
      text: db.prepare<[number], string>("SELECT text FROM labels WHERE id = ?").pluck(),
      insert: db.prepare<[string]>("INSERT INTO labels (text) VALUES (?)"),
    };
  }

  /** The label's id, adding it if new; call inside the write transaction that uses it. */
  id(text: string): number {
    const known = this.find(text);
    if (known !== undefined) return known;
    const id = Number(this.s.insert.run(text).lastInsertRowid);
    this.added.push(text);
    this.remember(text, id);
    return id;
  }

  /** The label's id, or undefined if no row uses it (a query for it finds nothing). */
  find(text: string): number | undefined {
    const cached = this.ids.get(text);
    if (cached !== undefined) return cached;
    const id = this.s.find.get(text);
    if (id !== undefined) this.remember(text, id);
    return id;
  }

  text(id: number): string {
    const cached = this.texts.get(id);
    if (cached !== undefined) return cached;
    const text = this.s.text.get(id);
    if (text === undefined) throw new Error(`store: label ${id} is missing from the labels table (the file is damaged)`);
    this.remember(text, id);
    return text;
  }

  /** The open transaction committed: what it added stays. */
  commit(): void {
    this.added = [];
  }

  /** The open transaction failed: what it added is gone from the file, so from the cache too. */
  rollback(): void {
    for (const text of this.added) {
      this.texts.delete(this.ids.get(text)!);
      this.ids.delete(text);
    }
    this.added = [];
  }

  private remember(text: string, id: number): void {
    this.ids.set(text, id);
    this.texts.set(id, text);
  }
}
