import { createHash, randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import fastifyCsrf from "@fastify/csrf-protection";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "../log.js";
import { compileAccounts, DEFAULT_LIMITS, type Account, type UserConfig } from "../security/config.js";
import { LoginBackoff, type LoginBackoffOptions } from "../security/login-backoff.js";
import { grantsFor, mayCommandSite, mayReadSite, type Grants } from "../security/acl.js";
import { isLoopback } from "../security/remote.js";
import { DEFAULT_COST, verifyPassword, type PasswordHash } from "../security/scrypt.js";
import type { SessionTable } from "../store/sessions.js";
import { HttpError } from "./query.js";

/** The roles that may use the page; device accounts only speak MQTT. */
export type PageRole = "command-center" | "field-crew";

/** Who is asking: a logged-in user, or (user null) an anonymous demo visitor on loopback. */
export interface Viewer {
  user: string | null;
  role: PageRole;
  /** the same topic grants as the user's MQTT login: they decide which sites it sees and commands */
  grants: Grants;
}

export interface AccessOptions {
  /** the gateway's users (security.users), the same accounts and scrypt hashes as MQTT */
  users: readonly UserConfig[];
  /** demo mode: anonymous requests from loopback get command-center rights, as on MQTT */
  demo: boolean;
  /** failed logins back off as on MQTT (security.limits.loginBackoff); default: MQTT's default */
  loginBackoff?: LoginBackoffOptions;
}

declare module "fastify" {
  interface FastifyRequest {
    viewer: Viewer | null;
  }
  interface FastifyContextConfig {
    /** answered without a login */
    public?: boolean;
  }
}

const COOKIE = "pantau_session";
/** a session unused this long ends */
const IDLE_MS = 8 * 3600_000;
const MAX_SESSIONS = 1000;
/** a session's last use is written at most this often, not on every request */
const TOUCH_MS = 60_000;
/** password checks at once, as on MQTT: each costs ~50 ms of scrypt */
const MAX_PENDING_LOGINS = 16;

/** What the store keeps of a session: its token only as this hash. */
const hashOf = (token: string): string => createHash("sha256").update(token).digest("base64url");

/**
 * Logins and sessions for the page and the API. A session is a random token in an HttpOnly,
 * SameSite=Strict cookie; the store keeps its hash and user, so a restart keeps people logged in.
 * The user's role and sites are read from the configuration at each request: a user removed or
 * changed there is logged out or changed at once. Every request that changes something also
 * needs a CSRF token (@fastify/csrf-protection).
 */
export async function registerAuth(app: FastifyInstance, access: AccessOptions, sessions: Pick<SessionTable, "put" | "get" | "touch" | "delete" | "prune">, log: Logger): Promise<void> {
  const accounts = compileAccounts(access.users);
  // unknown users are checked against this, so a wrong username costs the same time as a wrong password
  const decoy: PasswordHash = { ...DEFAULT_COST, salt: randomBytes(16), hash: randomBytes(32) };
  const demoViewer: Viewer = { user: null, role: "command-center", grants: grantsFor("command-center") };
  const backoff = new LoginBackoff(access.loginBackoff ?? DEFAULT_LIMITS.loginBackoff);
  let pending = 0;

  // sessions that expired while the gateway was off go at once
  sessions.prune(Date.now() - IDLE_MS, MAX_SESSIONS);
  await app.register(fastifyCsrf, { cookieOpts: { path: "/", sameSite: "strict", httpOnly: true } });
  app.decorateRequest("viewer", null);

  const sessionOf = (request: FastifyRequest): Viewer | undefined => {
    const token = request.cookies[COOKIE];
    if (token === undefined) return undefined;
    const hash = hashOf(token);
    const session = sessions.get(hash);
    if (!session) return undefined;
    const now = Date.now();
    const account = accounts.get(session.username);
    if (now - session.usedAt > IDLE_MS || !account || account.role === "device") {
      sessions.delete(hash);
      return undefined;
    }
    if (now - session.usedAt > TOUCH_MS) sessions.touch(hash, now);
    return { user: session.username, role: account.role, grants: account.grants };
  };

  app.addHook("onRequest", async (request) => {
    const session = sessionOf(request);
    request.viewer = session
      ? session
      : access.demo && isLoopback(request.socket.remoteAddress) ? demoViewer : null;
    if (request.url.startsWith("/api/") && !request.routeOptions.config.public && !request.viewer) {
      throw new HttpError(401, "log in first: POST /api/login with a username and password of the gateway's users");
    }
  });

  app.get("/api/session", { config: { public: true } }, async (request, reply) => ({
    user: request.viewer?.user ?? null,
    role: request.viewer?.role ?? null,
    mayCommand: request.viewer?.role === "command-center",
    demo: access.demo,
    csrfToken: reply.generateCsrf(),
  }));

  app.post("/api/login", { config: { public: true }, onRequest: app.csrfProtection }, async (request, reply) => {
    const { username, password } = credentials(request.body);
    // the same back-off as MQTT logins: per username and per address, refused before any password check
    const keys = [`user:${username}`, `address:${request.socket.remoteAddress}`];
    const waitMs = Math.max(...keys.map((k) => backoff.waitMs(k, performance.now())));
    if (waitMs > 0) {
      reply.header("retry-after", Math.ceil(waitMs / 1000));
      throw new HttpError(429, `too many failed logins, next try in ${Math.ceil(waitMs / 1000)} s`);
    }
    if (pending >= MAX_PENDING_LOGINS) throw new HttpError(503, "too many logins in progress; try again in a moment");
    pending += 1;
    let account: Account | undefined;
    try {
      account = accounts.get(username);
      const matches = await verifyPassword(Buffer.from(password, "utf8"), account?.hash ?? decoy);
      if (!account || !matches) account = undefined;
    } finally {
      pending -= 1;
    }
    if (!account) {
      for (const k of keys) backoff.failed(k, performance.now());
      log.warn({ username, remote: request.socket.remoteAddress }, "http login refused: bad username or password");
      throw new HttpError(401, "wrong username or password");
    }
    backoff.succeeded(keys[0]!);
    if (account.role === "device") throw new HttpError(403, "a device account cannot log in to the page; use a command-center or field-crew user");
    const token = randomBytes(32).toString("base64url");
    const now = Date.now();
    sessions.prune(now - IDLE_MS, MAX_SESSIONS - 1);
    sessions.put(hashOf(token), username, now);
    log.info({ username, role: account.role }, "http login");
    setSessionCookie(reply, request, token);
    return { user: username, role: account.role, mayCommand: account.role === "command-center" };
  });

  app.post("/api/logout", { config: { public: true }, onRequest: app.csrfProtection }, async (request, reply) => {
    const token = request.cookies[COOKIE];
    if (token !== undefined) sessions.delete(hashOf(token));
    reply.clearCookie(COOKIE, { path: "/" });
    return { user: null };
  });
}

/** Whether the viewer may see this site: a user scoped to sites sees only those. */
export function maySee(request: FastifyRequest, site: string): boolean {
  return request.viewer !== null && mayReadSite(request.viewer.grants, site);
}

/** Refuses a viewer who may only look, or may not command this site. */
export function requireCommander(request: FastifyRequest, site: string): Viewer {
  const viewer = request.viewer;
  if (viewer?.role !== "command-center") throw new HttpError(403, "only a command-center user may send commands; field-crew users can look but not command");
  if (!mayCommandSite(viewer.grants, site)) throw new HttpError(403, `this user may not command site ${site}`);
  return viewer;
}

function credentials(body: unknown): { username: string; password: string } {
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b.username !== "string" || b.username === "" || typeof b.password !== "string") {
    throw new HttpError(400, 'send JSON {"username": "...", "password": "..."}');
  }
  return { username: b.username, password: b.password };
}

function setSessionCookie(reply: FastifyReply, request: FastifyRequest, token: string): void {
  reply.setCookie(COOKIE, token, { path: "/", httpOnly: true, sameSite: "strict", secure: request.protocol === "https" });
}
