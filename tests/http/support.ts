import { rmSync } from "node:fs";
import { join } from "node:path";
import { startHttp, type HttpDeps, type RunningHttp } from "../../gateway/http/server.js";
import { createLogger } from "../../gateway/log.js";
import { Registry } from "../../gateway/registry/registry.js";
import { Store } from "../../gateway/store/store.js";
import { TEST_DEVICES } from "../support/fleet.js";
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

/** The HTTP listener on a free loopback port over `store`: the test fleet, healthy checks, a silent log and demo access unless `deps` says otherwise. */
export function startTestHttp(store: Store, deps: Partial<HttpDeps> = {}): Promise<RunningHttp> {
  return startHttp({ port: 0 }, {
    registry: new Registry(TEST_DEVICES),
    store,
    checks: { broker: () => ({ ok: true }), store: () => ({ ok: true }) },
    log: createLogger("silent"),
    access: { users: [], demo: true },
    ...deps,
  });
}

export async function getJson(base: string, path: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(base + path, init);
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

/** One browser's worth of cookies, kept by hand. */
export class Client {
  private readonly cookies = new Map<string, string>();
  readonly setCookies: string[] = [];
  csrf = "";

  constructor(
    private readonly base: string,
    private readonly password: string,
  ) {}

  async call(path: string, init: { method?: string; body?: unknown; csrf?: boolean } = {}): Promise<{ status: number; body: Record<string, unknown> }> {
    const headers: Record<string, string> = { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") };
    if (init.body !== undefined) headers["content-type"] = "application/json";
    if (init.csrf !== false && this.csrf) headers["x-csrf-token"] = this.csrf;
    const res = await fetch(this.base + path, { method: init.method ?? "GET", headers, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
    for (const line of res.headers.getSetCookie()) {
      this.setCookies.push(line);
      const [pair = ""] = line.split(";");
      const [name = "", value = ""] = pair.split("=");
      if (value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  async session(): Promise<Record<string, unknown>> {
    const { body } = await this.call("/api/session");
    this.csrf = String(body.csrfToken);
    return body;
  }

  /** a cookie as the browser holds it */
  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  async login(username: string, password = this.password): Promise<{ status: number; body: Record<string, unknown> }> {
    await this.session();
    return this.call("/api/login", { method: "POST", body: { username, password } });
  }
}
