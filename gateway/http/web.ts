import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply } from "fastify";

/** Files the page loads from npm packages, served from node_modules as installed: never a copy in the repo. */
const VENDORED = { "uPlot.iife.min.js": "uplot/dist/uPlot.iife.min.js", "uPlot.min.css": "uplot/dist/uPlot.min.css" } as const;

const require = createRequire(import.meta.url);

/** gateway/web of this checkout, whether this module runs from the sources or from dist/. */
export function webRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("cannot find the package root that holds gateway/web");
    dir = up;
  }
  return join(dir, "gateway", "web");
}

/**
 * The fleet page: plain HTML, CSS and JavaScript modules from gateway/web (no build step), and
 * uPlot from its npm package under /vendor/. Revalidated on every load (ETag), so an updated
 * gateway never leaves a phone on an old page.
 */
export async function registerWeb(app: FastifyInstance): Promise<void> {
  const root = webRoot();
  const index = pageWithPreloads(root);
  const page = async (_req: unknown, reply: FastifyReply) => reply.type("text/html; charset=utf-8").send(index);
  app.get("/", page);
  app.get("/index.html", page);
  await app.register(fastifyStatic, { root, prefix: "/", cacheControl: false, index: false });
  const vendor = dirname(require.resolve(VENDORED["uPlot.iife.min.js"]));
  await app.register(fastifyStatic, {
    root: vendor,
    prefix: "/vendor/",
    decorateReply: false,
    cacheControl: false,
    allowedPath: (path) => Object.keys(VENDORED).includes(path.replace(/^\//, "")),
  });
  app.addHook("onSend", async (request, reply) => {
    if (request.url.startsWith("/api/") || request.url === "/healthz" || request.url === "/metrics") {
      reply.header("cache-control", "no-store");
    } else {
      reply.header("cache-control", "no-cache");
    }
    reply.header("x-content-type-options", "nosniff");
    reply.header("referrer-policy", "no-referrer");
    reply.header("content-security-policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'");
  });
}

/**
 * index.html with a modulepreload link for every module of the page, so the browser fetches
 * them all at once instead of discovering the import graph level by level.
 */
function pageWithPreloads(root: string): string {
  const modules = readdirSync(root).filter((f) => f.endsWith(".js") && f !== "app.js").sort();
  const links = modules.map((m) => `<link rel="modulepreload" href="/${m}">`).join("\n");
  return readFileSync(join(root, "index.html"), "utf8").replace("<!-- modulepreload -->", links);
}
