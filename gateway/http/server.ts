import fastifyCompress from "@fastify/compress";
import fastifyCookie from "@fastify/cookie";
import type { Aedes } from "aedes";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions, type HTTPMethods } from "fastify";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import zlib from "node:zlib";
import type { GatewayMetrics } from "../metrics/metrics.js";
import { registerApi, type ApiDeps } from "./api.js";
import { registerAuth, type AccessOptions } from "./auth.js";
import { registerLive } from "./live.js";
import { registerOps, type Checks } from "./ops.js";
import { HttpError } from "./query.js";
import { registerWeb } from "./web.js";

export type { Check } from "./ops.js";

export interface HttpOptions {
  /** default 127.0.0.1: the API shows the fleet's locations, so it is not public unless configured */
  host?: string;
  /** default 8080; 0 picks a free port */
  port?: number;
}

export interface HttpDeps extends ApiDeps {
  metrics?: Pick<GatewayMetrics, "text" | "contentType">;
  checks: Checks;
  /** who may see the page and the API, and who may command */
  access: AccessOptions;
  /** the embedded broker, for the page's live view; absent: no /api/live */
  aedes?: Aedes;
  /** epoch ms the gateway started; default: when the server started */
  startedAt?: number;
}

export interface RunningHttp {
  port: number;
  close(): Promise<void>;
}

/** Request bodies are commands and logins: small. */
const BODY_LIMIT = 16 * 1024;
const WRITE_METHODS: HTTPMethods[] = ["POST", "PUT", "PATCH", "DELETE"];

type Compilers = NonNullable<NonNullable<FastifyServerOptions["schemaController"]>["compilersFactory"]>;
type Factory = (...args: never[]) => unknown;

/** fastify's own packages, resolved from where fastify is installed. */
const fastifyRequire = createRequire(createRequire(import.meta.url).resolve("fastify"));

/** `load()` once, on the first call. */
function onFirstCall<F extends Factory>(load: () => F): F {
  let loaded: F | undefined;
  return ((...args: Parameters<F>) => (loaded ??= load())(...args)) as F;
}

/**
 * fastify's default schema compilers (ajv, fast-json-stringify), loaded when a route first
 * declares a schema. No route here does; fastify loads both when it is created otherwise, about
 * 150 ms of CPU at every start.
 */
const COMPILERS: Compilers = {
  buildValidator: onFirstCall(() => (fastifyRequire("@fastify/ajv-compiler") as () => NonNullable<Compilers["buildValidator"]>)()),
  buildSerializer: onFirstCall(() => (fastifyRequire("@fastify/fast-json-stringify-compiler") as () => NonNullable<Compilers["buildSerializer"]>)()),
};

/**
 * The gateway's HTTP side (fastify): /healthz for the supervisor, /metrics for Prometheus, the
 * query API, the live event stream and the fleet page. Every API answer is JSON, errors as
 * `{error}` saying what to fix.
 */
export async function startHttp(opts: HttpOptions, deps: HttpDeps): Promise<RunningHttp> {
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT,
    forceCloseConnections: true,
    schemaController: { compilersFactory: COMPILERS },
    // a malformed URL or header, before any route: the same {error} answer as everywhere else
    frameworkErrors: (err, _req, reply) => {
      void (reply as unknown as FastifyReply).code(400).send({ error: err.message });
    },
  });
  const methods = methodsByPath(app);
  app.setErrorHandler((err, req, reply) => {
    if (err instanceof HttpError) return reply.code(err.status).send({ error: err.message });
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status < 500) return reply.code(status).send({ error: (err as Error).message });
    deps.log.error({ url: req.url, err: (err as Error).message }, "http request failed");
    return reply.code(500).send({ error: "internal error" });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: `no such resource: ${new URL(req.url, "http://gateway").pathname}` }));

  await app.register(fastifyCookie);
  // brotli's default quality (11) costs milliseconds per small file; 5 is nearly as small
  await app.register(fastifyCompress, { encodings: ["br", "gzip"], brotliOptions: { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } } });
  await registerAuth(app, deps.access, deps.store.sessions, deps.log);
  registerOps(app, deps.checks, deps.startedAt ?? Date.now(), deps.metrics);
  registerApi(app, deps);
  if (deps.aedes) await registerLive(app, deps.aedes, deps.log);
  await registerWeb(app);
  refuseOtherMethods(app, methods);

  await app.listen({ port: opts.port ?? 8080, host: opts.host ?? "127.0.0.1" });
  const port = (app.server.address() as AddressInfo).port;
  deps.log.info({ host: opts.host ?? "127.0.0.1", port }, "http listening");
  return { port, close: () => app.close() };
}

/** The methods each API path answers, collected as routes are added. */
function methodsByPath(app: FastifyInstance): Map<string, Set<string>> {
  const byPath = new Map<string, Set<string>>();
  app.addHook("onRoute", (route) => {
    if (!route.url.startsWith("/api/") && route.url !== "/healthz" && route.url !== "/metrics") return;
    const set = byPath.get(route.url) ?? new Set<string>();
    for (const m of [route.method].flat()) set.add(m);
    byPath.set(route.url, set);
  });
  return byPath;
}

/** 405 with an Allow header, rather than 404, for a path that exists under another method. */
function refuseOtherMethods(app: FastifyInstance, byPath: Map<string, Set<string>>): void {
  for (const [url, allowed] of [...byPath]) {
    const missing = WRITE_METHODS.filter((m) => !allowed.has(m));
    const allow = [...allowed].filter((m) => m !== "HEAD").join(", ");
    if (missing.length === 0) continue;
    app.route({
      method: missing,
      url,
      config: { public: true },
      handler: async (req, reply) => reply.code(405).header("allow", allow).send({ error: `${req.method} not allowed; use ${allow}` }),
    });
  }
}
