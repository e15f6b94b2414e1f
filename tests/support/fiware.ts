// Validates Pantau's published messages against the official FIWARE Smart Data Models schemas
// vendored in tests/fiware/official (see its README for source and commit).

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import formats from "ajv-formats";
import { expect } from "vitest";

const OFFICIAL_DIR = fileURLToPath(new URL("../fiware/official/", import.meta.url));
/** The base of every `$id` and `$ref` in the official files; the folder below it mirrors the repositories. */
const PUBLISHED_AT = "https://smart-data-models.github.io/";

export type OfficialModel = "TrafficFlowObserved" | "FloodMonitoring" | "Alert" | "Device";

/** The kinds the built-in roles and the core publish (a role may add its own: they have no official model here). */
export type Kind = "traffic" | "speed" | "flood" | "alarm" | "status";

/** The official model each published kind claims (the sign's interval statistics are traffic flow). */

export const MODEL_OF_KIND: Record<Kind, OfficialModel> = {
  traffic: "TrafficFlowObserved",
  speed: "TrafficFlowObserved",
  flood: "FloodMonitoring",
  alarm: "Alert",
  status: "Device",
};

const MODEL_SCHEMA: Record<OfficialModel, string> = {
  TrafficFlowObserved: "dataModel.Transportation/TrafficFlowObserved/schema.json",
  FloodMonitoring: "dataModel.Environment/FloodMonitoring/schema.json",
  Alert: "dataModel.Alert/Alert/schema.json",
  Device: "dataModel.Device/Device/schema.json",
};

const MODEL_EXAMPLE: Record<OfficialModel, string> = {
  TrafficFlowObserved: "dataModel.Transportation/TrafficFlowObserved/examples/example.json",
  FloodMonitoring: "dataModel.Environment/FloodMonitoring/examples/example.json",
  Alert: "dataModel.Alert/Alert/examples/example.json",
  Device: "dataModel.Device/Device/examples/example.json",
};

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return jsonFiles(path);
    return name.endsWith(".json") ? [path] : [];
  });
}

const readJson = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;

function officialAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false, allowUnionTypes: true });
  // ajv-formats is CommonJS; under NodeNext its default export arrives as the module object
  ((formats as unknown as { default?: unknown }).default as (a: Ajv2020) => void ?? formats)(ajv);
  // annotations the Smart Data Models add to every schema; they constrain nothing
  ajv.addVocabulary(["$schemaVersion", "modelTags"]);
  // Every $ref is an absolute URL naming another official file: registering each file under its
  // own $id makes Ajv resolve them here. A file's $id must match where it sits in the mirror.
  for (const path of jsonFiles(OFFICIAL_DIR).filter((p) => !p.includes("/examples/"))) {
    const schema = readJson(path);
    const expected = PUBLISHED_AT + path.slice(OFFICIAL_DIR.length);
    if (String(schema.$id).toLowerCase() !== expected.toLowerCase()) {
      throw new Error(`${path}: $id ${String(schema.$id)} does not match its place in the mirror (${expected})`);
    }
    ajv.addSchema(schema);
  }
  return ajv;
}

const ajv = officialAjv();
const compiled = new Map<OfficialModel, ValidateFunction>();

export function officialValidator(model: OfficialModel): ValidateFunction {
  let validate = compiled.get(model);
  if (!validate) {
    const id = readJson(join(OFFICIAL_DIR, MODEL_SCHEMA[model])).$id as string;
    validate = ajv.getSchema(id);
    if (!validate) throw new Error(`official schema ${id} is not loaded`);
    compiled.set(model, validate);
  }
  return validate;
}

export function officialExample(model: OfficialModel): Record<string, unknown> {
  return readJson(join(OFFICIAL_DIR, MODEL_EXAMPLE[model]));
}

/** `/laneId minimum`: where and which rule, without the values, so failures group. */
export const errorSignature = (e: ErrorObject): string => `${e.instancePath || "/"} ${e.keyword}${"missingProperty" in e.params ? ` ${String(e.params.missingProperty)}` : ""}`;

export interface Verdict {
  model: OfficialModel;
  valid: boolean;
  errors: string[];
}

export function checkOfficial(kind: Kind, payload: unknown): Verdict {
  const model = MODEL_OF_KIND[kind];
  const validate = officialValidator(model);
  const valid = validate(payload);
  // allOf/anyOf wrappers report their own failure beside the leaf's; the leaves say what is wrong
  const leaves = (validate.errors ?? []).filter((e) => !["allOf", "anyOf", "oneOf", "if"].includes(e.keyword));
  return { model, valid, errors: [...new Set(leaves.map(errorSignature))].sort() };
}

export interface Tally {
  kind: Kind;
  model: OfficialModel;
  valid: number;
  total: number;
  /** error signature -> messages showing it */
  errors: Record<string, number>;
}

const KINDS = Object.keys(MODEL_OF_KIND) as Kind[];

/** The kind of a published topic `pantau/v1/{site}/{device}/{kind}`, or undefined for other topics. */
export function kindOfTopic(topic: string): Kind | undefined {
  const last = topic.split("/").pop() as Kind;
  return KINDS.includes(last) ? last : undefined;
}

/** Validates every normalized message among `messages` and counts the verdicts per kind. */
export function tallyOfficial(messages: { topic: string; payload: unknown }[]): Tally[] {
  const tallies = new Map<Kind, Tally>();
  for (const m of messages) {
    const kind = kindOfTopic(m.topic);
    if (!kind) continue;
    const verdict = checkOfficial(kind, m.payload);
    const t = tallies.get(kind) ?? { kind, model: verdict.model, valid: 0, total: 0, errors: {} };
    t.total++;
    if (verdict.valid) t.valid++;
    for (const e of verdict.errors) t.errors[e] = (t.errors[e] ?? 0) + 1;
    tallies.set(kind, t);
  }
  return KINDS.flatMap((k) => tallies.get(k) ?? []);
}

export function describeTallies(tallies: Tally[]): string {
  return tallies
    .map((t) => {
      const errors = Object.entries(t.errors).map(([sig, n]) => `${sig} (${n})`).join(", ");
      return `${t.kind} vs ${t.model}: ${t.valid} of ${t.total} valid${errors ? `; ${errors}` : ""}`;
    })
    .join("\n");
}

/**
 * Checks every normalized message a suite saw against its official model, reports the counts on
 * the test's output, and fails on any message that does not follow its model.
 */
export function expectOfficialModels(suite: string, messages: { topic: string; payload: unknown }[]): Tally[] {
  const tallies = tallyOfficial(messages);
  console.info(`official Smart Data Models, ${suite}:\n${describeTallies(tallies)}`);
  expect(tallies.length, "no normalized message to check").toBeGreaterThan(0);
  // what does not follow its model, with the rules broken and how often: empty when all do
  expect(describeTallies(tallies.filter((t) => t.valid < t.total))).toBe("");
  return tallies;
}
