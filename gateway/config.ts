import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { addSchema, derivedValidator, describeErrors, prebuiltValidator } from "./schema.js";
import { resolveSecurityConfig, type SecurityConfig, type SecurityFileConfig } from "./security/config.js";
import registrySchema from "./registry/registry.schema.json" with { type: "json" };
import securitySchema from "./security/security.schema.json" with { type: "json" };
import type { LimitOptions } from "./store/retention.js";
import type { Synchronous } from "./store/store.js";
import type { HealthPolicyOverrides } from "./health/device-health.js";
import { withRolePolicies } from "./health/policy-schema.js";
import { catalogVersion } from "../shared/roles/catalog.js";
import type { HttpOptions } from "./http/server.js";
import type { LinkKind } from "./ingest/link.js";
import { SENDER_KINDS, type UpstreamConfig } from "./upstream/senders.js";
import { upgradeLegacyConfig } from "./config-legacy.js";
import configSchema from "./config.schema.json" with { type: "json" };

export interface SerialConfig {
  path: string;
  baudRate: number;
  link: LinkKind;
}


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
  /** the upstream senders by kind; none: the outbox keeps filling within its bounds */
  upstream: UpstreamConfig;
  health?: HealthPolicyOverrides;
  /** what in the file used an old spelling, one line each, for the gateway to log at start */
  deprecations: string[];
}

type FileConfig = Partial<Omit<GatewayConfig, "mqtt" | "serial" | "store" | "security" | "http" | "deprecations">> & {
  http?: HttpOptions;
  security?: SecurityFileConfig;
  mqtt?: Partial<GatewayConfig["mqtt"]>;
  store?: Partial<GatewayConfig["store"]>;
  serial?: Array<Partial<SerialConfig> & { path: string }>;
};

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** The schemas the file's schema refers to. */
export const CONFIG_REFS: readonly object[] = [registrySchema, securitySchema, ...Object.values(SENDER_KINDS).map((kind) => kind.schema)];
for (const schema of CONFIG_REFS) addSchema(schema);

/** The file's validator as the build generates it (`npm run build`, gateway/schema-build.ts): beside this module in dist/. */
export const PREBUILT_VALIDATOR = new URL("./config.validator.cjs", import.meta.url);

/** The file's schema: each sender kind's options checked by its own schema under its key, each role's health under its name. */
export function fileSchema(): object {
  const schema = withRolePolicies(configSchema) as typeof configSchema;
  const upstream = { ...schema.properties.upstream, properties: Object.fromEntries(Object.entries(SENDER_KINDS).map(([name, kind]) => [name, { $ref: kind.schema.$id }])) };
  return { ...schema, properties: { ...schema.properties, upstream } };
}

// The build's validator when it was generated for these schemas (no role registered since): no
// compiling at start, which took 110-180 ms of CPU; otherwise compiled as any other.
const validate = derivedValidator<FileConfig>(fileSchema, catalogVersion, (schema) => prebuiltValidator(PREBUILT_VALIDATOR, schema, CONFIG_REFS));

/** Defaults that work with no file at all: broker on loopback 1883, no ports, ./data, durable commits. */
export function resolveConfig(file: FileConfig, baseDir: string): GatewayConfig {
  return {
    registry: resolve(baseDir, file.registry ?? "fleet.json"),
    ...(file.keys ? { keys: resolve(baseDir, file.keys) } : {}),
    mqtt: { host: file.mqtt?.host ?? "127.0.0.1", port: file.mqtt?.port ?? 1883 },
    serial: (file.serial ?? []).map((s) => ({ path: s.path, baudRate: s.baudRate ?? 115200, link: s.link ?? "direct" })),
    dataDir: resolve(baseDir, file.dataDir ?? "data"),
    logLevel: file.logLevel ?? "info",
    store: { ...file.store, synchronous: file.store?.synchronous ?? "full", batchMs: file.store?.batchMs ?? 0 },
    security: resolveSecurityConfig(file.security, baseDir),
    http: { host: file.http?.host ?? "127.0.0.1", port: file.http?.port ?? 8080 },
    upstream: resolveUpstream(file.upstream ?? {}, baseDir),
    ...(file.health ? { health: file.health } : {}),
    deprecations: [],
  };
}

/** File paths in a sender's options (the MQTT sender's TLS files) are relative to the config file. */
function resolveUpstream(upstream: UpstreamConfig, baseDir: string): UpstreamConfig {
  const tls = upstream.mqtt?.tls;
  if (!upstream.mqtt || !tls) return upstream;
  const at = (f: string | undefined) => (f === undefined ? undefined : resolve(baseDir, f));
  return { ...upstream, mqtt: { ...upstream.mqtt, tls: { ...tls, ca: at(tls.ca), cert: at(tls.cert), key: at(tls.key) } } };
}

export function loadConfig(path: string): GatewayConfig {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ConfigError(`cannot read gateway config ${path}: ${(err as Error).message}`);
  }
  const upgraded = upgradeLegacyConfig(json);
  if (!validate(upgraded.json)) throw new ConfigError(`${path}: ${describeErrors(validate.errors)}`);
  return { ...resolveConfig(upgraded.json, dirname(resolve(path))), deprecations: upgraded.deprecations };
}
