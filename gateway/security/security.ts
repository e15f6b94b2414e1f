import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { IncomingMessage } from "node:http";
import type { Aedes, AuthenticateError, Client, Connection, PublishPacket } from "aedes";
import type { Logger } from "../log.js";
import { ThrottledLog } from "../throttled-log.js";
import { grantsFor, mayPublish, mayRead, maySubscribe, type Grants } from "./acl.js";
import { compileAccounts, type Account, type ConnectionLimits, type SecurityConfig } from "./config.js";
import { LoginBackoff } from "./login-backoff.js";
import { watchPacketSizes } from "./packet-limit.js";
import { PendingConnections } from "./pending.js";
import { PublishLimiter } from "./rate-limit.js";
import { isLoopback, peerAddress, remoteAddress } from "./remote.js";
import { DEFAULT_COST, verifyPassword, type PasswordHash } from "./scrypt.js";

export type RefusalReason = "credentials" | "backoff" | "anonymous" | "maxConnections" | "maxConnectionsPerUser" | "busy";
export const REFUSAL_REASONS: readonly RefusalReason[] = ["credentials", "backoff", "anonymous", "maxConnections", "maxConnectionsPerUser", "busy"];

/** Why the broker closed a connection on its own, before or outside any refusal. */
export type CloseReason = "oversize" | "pendingEvicted" | "connectTimeout";
export const CLOSE_REASONS: readonly CloseReason[] = ["oversize", "pendingEvicted", "connectTimeout"];

/** Live counters for metrics; the objects are updated in place. */
export interface SecurityStats {
  /** CONNECTs refused, by reason */
  readonly refused: Record<RefusalReason, number>;
  /** publishes refused by ACL (the client is disconnected), subscriptions refused (SUBACK 128), deliveries withheld */
  readonly denied: { publish: number; subscribe: number; forward: number };
  /** publishes over the rate limit: dropped silently, and clients disconnected for persisting */
  readonly rateLimited: { dropped: number; disconnected: number };
  /** connections the broker closed: a packet over maxPacketBytes, or not logged in (crowded out, too slow) */
  readonly closed: Record<CloseReason, number>;
  /** authenticated connections open now */
  connections(): number;
  /** connections open now that have not logged in */
  pending(): number;
}

export interface SecurityOptions {
  /** demo mode: anonymous clients from loopback are let in with command-center rights */
  demo: boolean;
  log: Logger;
}

/** CONNACK return codes of MQTT 3.1.1 that a refusal may carry. */
const SERVER_UNAVAILABLE = 3;
const BAD_CREDENTIALS = 4;
const NOT_AUTHORIZED = 5;

/** Password checks queued at once; more are refused rather than letting a flood pile up scrypt work. */
const MAX_PENDING_LOGINS = 16;
/** Of those, from one address: a parallel flood from one place leaves the rest to everyone else. */
const MAX_PENDING_LOGINS_PER_ADDRESS = 4;
/** The connection-count key of anonymous demo clients; configured usernames are never empty. */
const ANONYMOUS = "";

interface Session {
  user: string;
  grants: Grants;
  limiter: PublishLimiter;
}

class Refusal extends Error {
  constructor(
    readonly reason: RefusalReason,
    readonly returnCode: AuthenticateError["returnCode"],
    message: string,
  ) {
    super(message);
  }
}

/** aedes calls `broker.publish(packet, client, done)` internally; its typings only show the public form. */
type InternalPublish = (packet: PublishPacket, client: unknown, done?: (err?: Error) => void) => void;

/**
 * Installs authentication, topic ACLs, connection limits and the publish rate limit on an aedes
 * broker, replacing its authenticate/authorizePublish/authorizeSubscribe/authorizeForward hooks.
 * Throws SecurityConfigError when a user entry is bad. Call it before the listeners start.
 */
export function attachSecurity(aedes: Aedes, config: SecurityConfig, options: SecurityOptions): SecurityStats {
  const guard = new Guard(compileAccounts(config.users), config.limits, options);
  guardConnections(aedes, guard);
  aedes.authenticate = (client, username, password, done) => {
    guard.admit(client, username, password).then(
      () => done(null, true),
      (err: unknown) => done(guard.refused(client, username, err), false),
    );
  };
  aedes.authorizePublish = (client, packet, done) => done(guard.checkPublish(client, packet));
  aedes.authorizeSubscribe = (client, sub, done) => done(null, guard.maySubscribe(client, sub.topic) ? sub : null);
  aedes.authorizeForward = (client, packet) => (guard.mayForward(client, packet.topic) ? packet : null);
  interceptDrops(aedes, guard.dropped);
  if (options.demo) options.log.info("mqtt: demo mode, anonymous clients from loopback get command-center rights");
  else if (config.users.length === 0) options.log.warn("mqtt: no users configured, every MQTT client will be refused");
  return guard.stats;
}

/**
 * Every accepted connection is watched for oversize packets and counted as pending until it logs
 * in. aedes reads `handle` and `connectTimeout` off the instance for each new connection.
 */
function guardConnections(aedes: Aedes, guard: Guard): void {
  const handle = aedes.handle;
  (aedes as unknown as { connectTimeout: number }).connectTimeout = guard.limits.connectTimeoutMs;
  aedes.handle = (conn: Connection, req?: IncomingMessage) => {
    const client = handle(conn, req);
    guard.accepted(conn, peerAddress(conn, req));
    return client;
  };
  aedes.on("connectionError", (client, err) => {
    // aedes' own wording for its connect timer; nothing else tells it apart
    if (err.message === "connect did not arrive in time") guard.stats.closed.connectTimeout += 1;
  });
}

/**
 * A publish over the rate limit passes authorizePublish (refusing it would disconnect the
 * client) and is then swallowed here, before it reaches any subscriber. QoS 1/2 publishes are
 * still acknowledged, so the client does not resend them.
 */
function interceptDrops(aedes: Aedes, dropped: WeakSet<object>): void {
  const target = aedes as unknown as { publish: InternalPublish };
  const publish = target.publish.bind(aedes);
  target.publish = (packet, client, done) => {
    if (!dropped.has(packet)) return publish(packet, client, done);
    const callback = typeof client === "function" ? (client as (err?: Error) => void) : done;
    // a flood must yield to the event loop instead of recursing through aedes' read loop
    setImmediate(() => callback?.());
  };
}

class Guard {
  readonly stats: SecurityStats;
  readonly dropped = new WeakSet<object>();
  private readonly sessions = new WeakMap<Client, Session>();
  private readonly open = new Set<Client>();
  private readonly openByUser = new Map<string, Set<Client>>();
  /** unknown users are checked against this, so a wrong username costs the same time as a wrong password */
  private readonly decoy: PasswordHash = { ...DEFAULT_COST, salt: randomBytes(16), hash: randomBytes(32) };
  private pendingLogins = 0;
  private readonly pendingLoginsByAddress = new Map<string, number>();
  private readonly backoff: LoginBackoff;
  private readonly pending: PendingConnections<Connection>;
  private readonly throttled: ThrottledLog;

  constructor(
    private readonly accounts: Map<string, Account>,
    readonly limits: ConnectionLimits,
    private readonly options: SecurityOptions,
  ) {
    const open = this.open;
    this.backoff = new LoginBackoff(limits.loginBackoff);
    this.throttled = new ThrottledLog(options.log);
    this.pending = new PendingConnections<Connection>(limits.maxPendingConnections, (conn) => {
      this.stats.closed.pendingEvicted += 1;
      conn.destroy();
    });
    const pending = this.pending;
    this.stats = {
      refused: { credentials: 0, backoff: 0, anonymous: 0, maxConnections: 0, maxConnectionsPerUser: 0, busy: 0 },
      denied: { publish: 0, subscribe: 0, forward: 0 },
      rateLimited: { dropped: 0, disconnected: 0 },
      closed: { oversize: 0, pendingEvicted: 0, connectTimeout: 0 },
      connections: () => open.size,
      pending: () => pending.size,
    };
  }

  /** A new connection: pending until it logs in, and closed at the header of an oversize packet. */
  accepted(conn: Connection, address: string | undefined): void {
    this.pending.add(conn, address ?? "unknown");
    conn.once("close", () => this.pending.delete(conn));
    watchPacketSizes(conn, this.limits.maxPacketBytes, (declared) => {
      this.stats.closed.oversize += 1;
      this.throttled.warn(`oversize:${address}`, { remote: address, declaredBytes: declared, maxPacketBytes: this.limits.maxPacketBytes }, "mqtt connection closed: packet over maxPacketBytes");
      conn.destroy();
    });
  }

  async admit(client: Client, username: string | undefined, password: Buffer | undefined): Promise<void> {
    this.checkCapacity(client, undefined);
    const session = username ? await this.login(username, password, remoteAddress(client) ?? "unknown") : this.anonymous(client);
    // checked again: other logins may have completed while the password was being verified
    this.checkCapacity(client, session.user);
    this.sessions.set(client, session);
    this.track(client, session.user);
    this.pending.delete(client.conn);
  }

  refused(client: Client, username: string | undefined, err: unknown): AuthenticateError {
    const log = this.options.log;
    const context = { clientId: client.id, username, remote: remoteAddress(client) };
    if (err instanceof Refusal) {
      this.stats.refused[err.reason] += 1;
      // a flood of refusals from one place is one line per interval
      this.throttled.warn(`refused:${err.reason}:${context.remote}`, { ...context, reason: err.reason }, `mqtt connection refused: ${err.message}`);
      return err;
    }
    log.error({ ...context, err: (err as Error).message }, "mqtt authentication failed");
    return Object.assign(new Error("server unavailable"), { returnCode: SERVER_UNAVAILABLE as AuthenticateError["returnCode"] });
  }

  checkPublish(client: Client | null, packet: PublishPacket): Error | null {
    // a null client is a stale will of a session this broker no longer knows
    const session = client ? this.sessions.get(client) : undefined;
    if (!client || !session || !mayPublish(session.grants, packet.topic)) {
      this.stats.denied.publish += 1;
      const context = { clientId: client?.id, user: session?.user, topic: packet.topic };
      this.options.log.warn(context, "mqtt publish refused, client disconnected");
      return new Error(`not authorized to publish to ${packet.topic}`);
    }
    // only the gateway retains (device status); a retained command would replay on every subscribe
    packet.retain = false;
    if (client.closed) return null; // the client's will, published as it goes away
    switch (session.limiter.admit(performance.now())) {
      case "pass":
        return null;
      case "drop":
        this.dropped.add(packet);
        this.stats.rateLimited.dropped += 1;
        return null;
      case "disconnect":
        this.stats.rateLimited.disconnected += 1;
        this.options.log.warn({ clientId: client.id, user: session.user }, "mqtt client disconnected: kept exceeding the publish rate");
        return new Error("publish rate limit exceeded");
    }
  }

  maySubscribe(client: Client, filter: string): boolean {
    const session = this.sessions.get(client);
    if (session && maySubscribe(session.grants, filter)) return true;
    this.stats.denied.subscribe += 1;
    this.options.log.warn({ clientId: client.id, user: session?.user, filter }, "mqtt subscription refused");
    return false;
  }

  /** Also covers queued messages of a persistent session that another user took over by client id. */
  mayForward(client: Client, topic: string): boolean {
    const session = this.sessions.get(client);
    if (session && mayRead(session.grants, topic)) return true;
    this.stats.denied.forward += 1;
    return false;
  }

  /**
   * Failed logins back off per username and per address; a login during the wait is refused
   * before any password check, so guessing costs the guesser time and the gateway nothing.
   */
  private async login(username: string, password: Buffer | undefined, address: string): Promise<Session> {
    const userKey = `user:${username}`;
    const addressKey = `address:${address}`;
    const now = performance.now();
    const waitMs = Math.max(this.backoff.waitMs(userKey, now), this.backoff.waitMs(addressKey, now));
    if (waitMs > 0) throw new Refusal("backoff", SERVER_UNAVAILABLE, `too many failed logins, next try in ${Math.ceil(waitMs / 1000)} s`);
    const fromHere = this.pendingLoginsByAddress.get(address) ?? 0;
    if (this.pendingLogins >= MAX_PENDING_LOGINS || fromHere >= MAX_PENDING_LOGINS_PER_ADDRESS) {
      throw new Refusal("busy", SERVER_UNAVAILABLE, "too many logins in progress");
    }
    this.pendingLogins += 1;
    this.pendingLoginsByAddress.set(address, fromHere + 1);
    try {
      const account = this.accounts.get(username);
      const matches = await verifyPassword(password ?? Buffer.alloc(0), account?.hash ?? this.decoy);
      if (!account || !matches) {
        this.backoff.failed(userKey, performance.now());
        this.backoff.failed(addressKey, performance.now());
        throw new Refusal("credentials", BAD_CREDENTIALS, "bad username or password");
      }
      this.backoff.succeeded(userKey);
      return this.session(username, account.grants);
    } finally {
      this.pendingLogins -= 1;
      const left = this.pendingLoginsByAddress.get(address)! - 1;
      if (left === 0) this.pendingLoginsByAddress.delete(address);
      else this.pendingLoginsByAddress.set(address, left);
    }
  }

  private anonymous(client: Client): Session {
    if (!this.options.demo) throw new Refusal("anonymous", NOT_AUTHORIZED, "anonymous access is off");
    if (!isLoopback(remoteAddress(client))) throw new Refusal("anonymous", NOT_AUTHORIZED, "anonymous access only from loopback");
    return this.session(ANONYMOUS, grantsFor("command-center"));
  }

  private session(user: string, grants: Grants): Session {
    return { user, grants, limiter: new PublishLimiter(this.limits.publish, performance.now()) };
  }

  /** A client reconnecting with its own client id replaces its old connection, so that one is not counted. */
  private checkCapacity(client: Client, user: string | undefined): void {
    if (countOthers(this.open, client) >= this.limits.maxConnections) {
      throw new Refusal("maxConnections", SERVER_UNAVAILABLE, "connection limit reached");
    }
    const mine = user === undefined ? undefined : this.openByUser.get(user);
    if (mine && countOthers(mine, client) >= this.limits.maxConnectionsPerUser) {
      throw new Refusal("maxConnectionsPerUser", NOT_AUTHORIZED, "connection limit for this user reached");
    }
  }

  private track(client: Client, user: string): void {
    // a connection that died during the password check gets no 'close' event left to untrack it
    if (client.closed || client.conn.destroyed) return;
    const mine = this.openByUser.get(user) ?? new Set<Client>();
    this.openByUser.set(user, mine);
    mine.add(client);
    this.open.add(client);
    client.conn.once("close", () => {
      this.open.delete(client);
      mine.delete(client);
      if (mine.size === 0 && this.openByUser.get(user) === mine) this.openByUser.delete(user);
    });
  }
}

function countOthers(clients: Set<Client>, newcomer: Client): number {
  let n = 0;
  for (const c of clients) if (c !== newcomer && c.id !== newcomer.id) n += 1;
  return n;
}
