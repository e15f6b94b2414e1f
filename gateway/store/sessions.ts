import type { Database, Statement } from "better-sqlite3";

/** A page login as stored: who, and when it was made and last used (epoch ms). */
export interface StoredSession {
  username: string;
  createdAt: number;
  usedAt: number;
}

/**
 * The page's login sessions (`http_sessions`), so a gateway restart keeps people logged in. Only a
 * hash of each session's token is stored: the file alone cannot be used to log in.
 */
export class SessionTable {
  private readonly s: {
    put: Statement<[string, string, number, number]>;
    get: Statement<[string], { username: string; created_at: number; used_at: number }>;
    touch: Statement<[number, string]>;
    delete: Statement<[string]>;
    purge: Statement<[number]>;
    count: Statement<[], { n: number }>;
    oldest: Statement<[number]>;
  };

  constructor(db: Database) {
    this.s = {
      put: db.prepare("INSERT OR REPLACE INTO http_sessions (token_hash, username, created_at, used_at) VALUES (?, ?, ?, ?)"),
      get: db.prepare("SELECT username, created_at, used_at FROM http_sessions WHERE token_hash = ?"),
      touch: db.prepare("UPDATE http_sessions SET used_at = ? WHERE token_hash = ?"),
      delete: db.prepare("DELETE FROM http_sessions WHERE token_hash = ?"),
      purge: db.prepare("DELETE FROM http_sessions WHERE used_at < ?"),
      count: db.prepare("SELECT count(*) AS n FROM http_sessions"),
      oldest: db.prepare("DELETE FROM http_sessions WHERE token_hash IN (SELECT token_hash FROM http_sessions ORDER BY used_at LIMIT ?)"),
    };
  }

  put(tokenHash: string, username: string, at: number): void {
    this.s.put.run(tokenHash, username, at, at);
  }

  get(tokenHash: string): StoredSession | undefined {
    const row = this.s.get.get(tokenHash);
    return row && { username: row.username, createdAt: row.created_at, usedAt: row.used_at };
  }

  touch(tokenHash: string, at: number): void {
    this.s.touch.run(at, tokenHash);
  }

  delete(tokenHash: string): void {
    this.s.delete.run(tokenHash);
  }

  /** Deletes the sessions unused since `before`, then the least recently used beyond `max`; returns how many are left. */
  prune(before: number, max: number): number {
    this.s.purge.run(before);
    const { n } = this.s.count.get()!;
    if (n > max) this.s.oldest.run(n - max);
    return Math.min(n, max);
  }
}
