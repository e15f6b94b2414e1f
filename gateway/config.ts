import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { addSchema, compileSchema, describeErrors } from "./schema.js";
import { resolveSecurityConfig, type SecurityConfig, type SecurityFileConfig } from "./security/config.js";
import registrySchema from "./registry/registry.schema.json" with { type: "json" };
import securitySchema from "./security/security.schema.json" with { type: "json" };
import type { LimitOptions } from "./store/retention.js";
import type { Synchronous } from "./store/store.js";
import type { HealthPolicyOverrides } from "./health/device-health.js";
import type { HttpOptions } from "./http/server.js";
import type { LinkKind } from "./ingest/link.js";
import type { UpstreamOptions } from "./upstream/bridge.js";
import schema from "./config.schema.json" with { type: "json" };

export interface SerialConfig {
  path: string;
  baudRate: number;
  link: LinkKind;
}

/** Spellings a config file may still use: the old word, and what to write instead. */
const DEPRECATED_LINK_KINDS: Readonly<Record<string, LinkKind>> = { bridge: "relay" };

export interface GatewayConfig {
  /** absolute path of the fleet registry file */
  registry: string;
  /** absolute path of the device keys file, when keys are kept apart from the registry */
  keys?: string;
  mqtt: { host: string; port: number };
  serial: SerialConfig[];
  dataDir: string;
  logLevel: string;
  store: LimitOptions & { synchronous: Synchronous; batchMs: number };
  security: SecurityConfig;
  http: Required<HttpOptions>;
  /** the command center's broker; absent: no upstream, the outbox keeps filling within its bounds */
  upstream?: UpstreamOptions;
  health?: HealthPolicyOverrides;
  /** what in the file used an old spelling, one line each, for the gateway to log at start */
  deprecations: string[];
}

type FileConfig = Partial<Omit<GatewayConfig, "mqtt" | "serial" | "store" | "security" | "http" | "deprecations">> & {
  http?: HttpOptions;
  security?: SecurityFileConfig;
  mqtt?: Partial<GatewayConfig["mqtt"]>;
  store?: Partial<GatewayConfig["store"]>;
  serial?: Array<Partial<Omit<SerialConfig, "link">> & { path: string; link?: LinkKind | keyof typeof DEPRECATED_LINK_KINDS }>;
};

export class ConfigError extends Error {
  override name = "ConfigError";
}

addSchema(registrySchema);
addSchema(securitySchema);
const validate = compileSchema<FileConfig>(schema);

/** Defaults that work with no file at all: broker on loopback 1883, no ports, ./data, durable commits. */
export function resolveConfig(file: FileConfig, baseDir: string): GatewayConfig {
  const deprecations: string[] = [];
  const linkKind = (path: string, link: string | undefined): LinkKind => {
    const renamed = link === undefined ? undefined : DEPRECATED_LINK_KINDS[link];
    if (renamed === undefined) return (link ?? "direct") as LinkKind;
    deprecations.push(`serial port ${path}: link "${link}" is deprecated, write "${renamed}" (read as "${renamed}")`);
    return renamed;
  };
  return {
    registry: resolve(baseDir, file.registry ?? "fleet.json"),
    ...(file.keys ? { keys: resolve(baseDir, file.keys) } : {}),
    mqtt: { host: file.mqtt?.host ?? "127.0.0.1", port: file.mqtt?.port ?? 1883 },
    serial: (file.serial ?? []).map((s) => ({ path: s.path, baudRate: s.baudRate ?? 115200, link: linkKind(s.path, s.link) })),
    dataDir: resolve(baseDir, file.dataDir ?? "data"),
    logLevel: file.logLevel ?? "info",
    store: { ...file.store, synchronous: file.store?.synchronous ?? "full", batchMs: file.store?.batchMs ?? 5 },
    security: resolveSecurityConfig(file.security, baseDir),
    http: { host: file.http?.host ?? "127.0.0.1", port: file.http?.port ?? 8080 },
    ...(file.upstream ? { upstream: resolveUpstream(file.upstream, baseDir) } : {}),
    ...(file.health ? { health: file.health } : {}),
    deprecations,
  };
}

function resolveUpstream(upstream: UpstreamOptions, baseDir: string): UpstreamOptions {
  const tls = upstream.tls;
  if (!tls) return upstream;
  const at = (f: string | undefined) => (f === undefined ? undefined : resolve(baseDir, f));
  return { ...upstream, tls: { ...tls, ca: at(tls.ca), cert: at(tls.cert), key: at(tls.key) } };
}

export function loadConfig(path: string): GatewayConfig {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ConfigError(`cannot read gateway config ${path}: ${(err as Error).message}`);
  }
  if (!validate(json)) throw new ConfigError(`${path}: ${describeErrors(validate.errors)}`);
  return resolveConfig(json, dirname(resolve(path)));
}
