// A real HTTP server standing in for an NGSI-LD context broker's batch upsert endpoint. It checks
// every request against the rules of ETSI GS CIM 009 V1.9.1 that a producer must follow, answers
// as the clauses say, and keeps what it accepted in arrival order.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

export const UPSERT = "/ngsi-ld/v1/entityOperations/upsert";

const URI = /^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
/** members an attribute may carry in the normalized representation (clauses 5.2.5-5.2.7) */
const ATTRIBUTE_MEMBERS: Record<string, readonly string[]> = {
  Property: ["type", "value", "observedAt", "unitCode", "datasetId"],
  Relationship: ["type", "object", "observedAt", "datasetId"],
  GeoProperty: ["type", "value", "observedAt", "datasetId"],
};

export interface Expectations {
  context: readonly string[];
  authorization?: string;
  tenant?: string;
}

export type Entity = Record<string, unknown> & { id: string; type: string };

export class NgsiLdBroker {
  /** accepted entities in the order the broker applied them */
  readonly accepted: Entity[] = [];
  /** what broke the API's rules, one line per problem; a correct sender leaves it empty */
  readonly violations: string[] = [];
  requests = 0;
  /** answer 503 to everything, as a broker restarting */
  unavailable = false;
  /** messages (by messageId) refused one by one in a 207 answer */
  readonly refuse = new Set<string>();
  /** messages (by messageId) whose presence makes the whole request a 400 */
  readonly badRequest = new Set<string>();
  private server: Server | undefined;
  private readonly known = new Set<string>();

  constructor(readonly port: number, private readonly expect: Expectations) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", resolve);
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests++;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    if (this.unavailable) return answer(res, 503, problem("InternalError", "the broker is restarting"));
    const problems = this.check(req, body);
    if (problems.length) {
      this.violations.push(...problems);
      return answer(res, 400, problem("BadRequestData", problems.join("; ")));
    }
    const entities = JSON.parse(body) as Entity[];
    if (entities.some((e) => this.badRequest.has(messageIdOf(e)))) {
      return answer(res, 400, problem("BadRequestData", "an attribute value is out of range"));
    }
    const refused = entities.filter((e) => this.refuse.has(messageIdOf(e)));
    const taken = entities.filter((e) => !refused.includes(e));
    const created = taken.filter((e) => !this.known.has(e.id)).map((e) => e.id);
    for (const e of taken) this.known.add(e.id);
    this.accepted.push(...taken);
    // clause 6.15: 201 with the created ids, 204 when all existed, 207 with a BatchOperationResult (5.2.16)
    if (refused.length) {
      return answer(res, 207, {
        success: taken.map((e) => e.id),
        errors: refused.map((e) => ({ entityId: e.id, error: problem("BadRequestData", "refused by this broker's policy") })),
      });
    }
    if (created.length) return answer(res, 201, created);
    answer(res, 204);
  }

  /** The producer's side of the binding: verb, path, media type, @context placement, payload shape. */
  private check(req: IncomingMessage, body: string): string[] {
    const problems: string[] = [];
    if (req.method !== "POST") problems.push(`method ${req.method}, not POST (clause 6.15)`);
    if (req.url !== UPSERT) problems.push(`path ${req.url}, not ${UPSERT} (clause 6.15)`);
    const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim();
    if (type !== "application/ld+json") problems.push(`Content-Type ${type}: this sender must use application/ld+json (clause 6.3.4)`);
    if (req.headers.link) problems.push("a Link header with application/ld+json: the @context belongs in the body only (clause 6.3.5)");
    if (req.headers.authorization !== this.expect.authorization) problems.push(`Authorization ${req.headers.authorization ?? "missing"}`);
    if (req.headers["ngsild-tenant"] !== this.expect.tenant) problems.push(`NGSILD-Tenant ${String(req.headers["ngsild-tenant"])} (clause 6.3.14)`);
    let entities: unknown;
    try {
      entities = JSON.parse(body);
    } catch {
      return [...problems, "the body is not JSON"];
    }
    if (!Array.isArray(entities) || entities.length === 0) return [...problems, "the body is not a non-empty array of entities (clause 5.6.8.3)"];
    entities.forEach((e, i) => problems.push(...checkEntity(e, this.expect.context).map((p) => `[${i}] ${p}`)));
    return problems;
  }
}

function checkEntity(e: unknown, context: readonly string[]): string[] {
  if (typeof e !== "object" || e === null || Array.isArray(e)) return ["not an object"];
  const entity = e as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof entity.id !== "string" || !URI.test(entity.id)) problems.push(`id ${String(entity.id)} is not a URI (clause 5.2.4)`);
  if (typeof entity.type !== "string" || !entity.type) problems.push("type missing (clause 5.2.4)");
  if (JSON.stringify(entity["@context"]) !== JSON.stringify(context)) problems.push(`@context ${JSON.stringify(entity["@context"])} (clause 6.3.5)`);
  for (const [name, attr] of Object.entries(entity)) {
    if (name === "id" || name === "type" || name === "@context") continue;
    problems.push(...checkAttribute(attr).map((p) => `${String(entity.id)} ${name}: ${p}`));
  }
  return problems;
}

function checkAttribute(attr: unknown): string[] {
  if (typeof attr !== "object" || attr === null) return ["not an attribute object (normalized representation, clause 4.5)"];
  const a = attr as Record<string, unknown>;
  const allowed = ATTRIBUTE_MEMBERS[String(a.type)];
  if (!allowed) return [`attribute type ${String(a.type)}`];
  const problems = Object.keys(a).filter((k) => !allowed.includes(k)).map((k) => `member ${k} not allowed on a ${String(a.type)}`);
  if (a.observedAt !== undefined && !(typeof a.observedAt === "string" && DATE_TIME.test(a.observedAt))) problems.push("observedAt is not a DateTime");
  if (a.type === "Relationship" && !(typeof a.object === "string" && URI.test(a.object))) problems.push("object is not a URI (clause 5.2.6)");
  if (a.type !== "Relationship" && (a.value === undefined || a.value === null)) problems.push("value missing or null (clause 5.2.5)");
  if (a.type === "GeoProperty") {
    const g = a.value as { type?: unknown; coordinates?: unknown } | undefined;
    if (typeof g?.type !== "string" || !Array.isArray(g.coordinates)) problems.push("value is not a GeoJSON geometry (clause 5.2.7)");
  }
  return problems;
}

/** Which message an entity update carries: its `messageId` Property. */
export const messageIdOf = (e: Entity): string => String((e.messageId as { value?: unknown } | undefined)?.value);

/** The entity back in key-value form (clause 4.5.4), to check against the Smart Data Models. */
export function keyValues(entity: Entity): Record<string, unknown> {
  const out: Record<string, unknown> = { id: entity.id, type: entity.type };
  for (const [name, attr] of Object.entries(entity)) {
    if (name === "id" || name === "type" || name === "@context") continue;
    const a = attr as { type: string; value?: unknown; object?: unknown };
    const value = a.type === "Relationship" ? a.object : a.value;
    const typed = value as { "@type"?: string; "@value"?: unknown } | undefined;
    out[name] = typed && typeof typed === "object" && typed["@type"] === "DateTime" ? typed["@value"] : value;
  }
  return out;
}

function problem(kind: string, detail: string) {
  return { type: `https://uri.etsi.org/ngsi-ld/errors/${kind}`, title: kind, detail };
}

function answer(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) return void res.writeHead(status).end();
  res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
}
