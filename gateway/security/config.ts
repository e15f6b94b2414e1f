import { resolve } from "node:path";
import { grantsFor, type Grants, type Role } from "./acl.js";
import { isLoopback } from "./remote.js";
import type { LoginBackoffOptions } from "./login-backoff.js";
import type { PublishLimits } from "./rate-limit.js";
import { parsePasswordHash, type PasswordHash } from "./scrypt.js";

/** One MQTT user as written in the gateway config (`security.users[]`). */
export interface UserConfig {
  username: string;
  /** from `pantau passwd` */
  passwordHash: string;
  role: Role;
  /** role `device` only; defaults to the username read as a device id */
  deviceId?: number;
  /** people only: the sites this user may read (and command, as a command center); all when absent */
  sites?: string[];
}

export interface ConnectionLimits {
  /** authenticated connections in total, all listeners together */
  maxConnections: number;
  /** authenticated connections per username (anonymous demo clients share one name) */
  maxConnectionsPerUser: number;
  /** connections that have not logged in yet; over it the oldest of the busiest address is closed */
  maxPendingConnections: number;
  /** how long a new connection may take to log in (aedes' connectTimeout) */
  connectTimeoutMs: number;
  /** the largest MQTT packet, fixed header included, before and after login */
  maxPacketBytes: number;
  publish: PublishLimits;
  loginBackoff: LoginBackoffOptions;
}

export interface TlsListenerConfig {
  port: number;
  /** PEM files, relative to the config file */
  keyFile: string;
  certFile: string;
  /** bind address; defaults to the plain MQTT listener's host */
  host?: string;
}

export interface WsListenerConfig {
  port: number;
  host?: string;
  /** URL path of the WebSocket endpoint */
  path: string;
}

export interface SecurityConfig {
  users: UserConfig[];
  limits: ConnectionLimits;
  tls?: TlsListenerConfig;
  ws?: WsListenerConfig;
}

/** The `security` object as it may appear in the file: everything optional. */
export interface SecurityFileConfig {
  users?: UserConfig[];
  limits?: Partial<Omit<ConnectionLimits, "publish" | "loginBackoff">> & {
    publish?: Partial<PublishLimits>;
    loginBackoff?: Partial<LoginBackoffOptions>;
  };
  tls?: TlsListenerConfig;
  ws?: Partial<WsListenerConfig> & { port: number };
}

export const DEFAULT_LIMITS: ConnectionLimits = {
  maxConnections: 1000,
  maxConnectionsPerUser: 10,
  maxPendingConnections: 256,
  connectTimeoutMs: 10_000,
  maxPacketBytes: 64 * 1024,
  publish: { ratePerSecond: 20, burst: 50, disconnectAfterDrops: 500 },
  loginBackoff: { freeFailures: 3, baseMs: 1000, maxMs: 60_000 },
};

export class SecurityConfigError extends Error {
  override name = "SecurityConfigError";
}

/** Fills in defaults and resolves the TLS files against the config file's folder. */
export function resolveSecurityConfig(file: SecurityFileConfig | undefined, baseDir: string): SecurityConfig {
  const limits = file?.limits;
  const config: SecurityConfig = {
    users: file?.users ?? [],
    limits: {
      ...DEFAULT_LIMITS,
      ...limits,
      publish: { ...DEFAULT_LIMITS.publish, ...limits?.publish },
      loginBackoff: { ...DEFAULT_LIMITS.loginBackoff, ...limits?.loginBackoff },
    },
  };
  if (file?.tls) {
    config.tls = { ...file.tls, keyFile: resolve(baseDir, file.tls.keyFile), certFile: resolve(baseDir, file.tls.certFile) };
  }
  if (file?.ws) config.ws = { ...file.ws, path: file.ws.path ?? "/mqtt" };
  return config;
}

/**
 * Demo mode lets clients in without a password, so it stays on this machine unless MQTT users
 * are configured. Throws SecurityConfigError naming the option to change.
 */
export function refuseExposedDemo(mqttHost: string, security: SecurityConfig): void {
  if (security.users.length > 0 || mqttHost === "localhost" || isLoopback(mqttHost)) return;
  throw new SecurityConfigError(
    `demo mode listens on loopback only while no MQTT users are configured, and --mqtt-host ${mqttHost} is not loopback: ` +
      "use --mqtt-host 127.0.0.1, or configure security.users",
  );
}

/** A user ready for login: the parsed hash and the role's grants. */
export interface Account {
  username: string;
  role: Role;
  hash: PasswordHash;
  grants: Grants;
}

/** Checks every user entry up front, so a bad hash fails at start and names its entry. */
export function compileAccounts(users: readonly UserConfig[]): Map<string, Account> {
  const accounts = new Map<string, Account>();
  users.forEach((user, index) => {
    const where = `security.users[${index}] ("${user.username}")`;
    if (accounts.has(user.username)) throw new SecurityConfigError(`${where}: duplicate username`);
    let hash: PasswordHash;
    try {
      hash = parsePasswordHash(user.passwordHash);
    } catch (err) {
      throw new SecurityConfigError(`${where}: passwordHash ${(err as Error).message}`);
    }
    const grants = grantsFor(user.role, user.role === "device" ? { deviceId: deviceIdOf(user, where) } : { sites: sitesOf(user, where) });
    accounts.set(user.username, { username: user.username, role: user.role, hash, grants });
  });
  return accounts;
}

/** Each site becomes one topic level of the user's grants, so it must be exactly one, with no wildcard. */
function sitesOf(user: UserConfig, where: string): string[] | undefined {
  if (!user.sites) return undefined;
  if (user.sites.length === 0) throw new SecurityConfigError(`${where}: sites is empty; leave it out for every site`);
  const bad = user.sites.find((site) => site === "" || /[/+#]/.test(site));
  if (bad !== undefined) throw new SecurityConfigError(`${where}: "${bad}" is not a site id`);
  return user.sites;
}

function deviceIdOf(user: UserConfig, where: string): number {
  if (user.sites) throw new SecurityConfigError(`${where}: sites is for command-center and field-crew users; a device user has its own id`);
  const id = user.deviceId ?? (/^[1-9]\d{0,4}$/.test(user.username) ? Number(user.username) : NaN);
  if (!Number.isInteger(id) || id < 1 || id > 65535) {
    throw new SecurityConfigError(`${where}: a device user needs deviceId 1..65535, or a username that is the device id`);
  }
  return id;
}
