import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { Ajv2020 as Ajv, ErrorObject, Options, ValidateFunction } from "ajv/dist/2020.js";
import { catalogVersion } from "../shared/roles/catalog.js";

const require = createRequire(import.meta.url);

// No check of each schema against JSON Schema's meta-schema (validateSchema): they are the
// project's and its role plug-ins', compiled in strict mode, which refuses unknown keywords and
// keyword values of the wrong type; compiling the meta-schema cost about 100 ms at every start.
const OPTIONS: Options = { allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, validateSchema: false };

/** Schemas that others $ref by $id, in the order added. */
const referable: Array<object & { $id?: string }> = [];
let shared: Ajv | undefined;

/**
 * An ajv with the project's options, its formats and every referable schema. Loaded with
 * require on first use: ajv and its compiler are about 90 modules, which a gateway whose config
 * is checked by the build's validator (see `prebuiltValidator`) and that compiles nothing at
 * start never loads.
 */
function newAjv(options: Options = {}): Ajv {
  const { Ajv2020 } = require("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js");
  const addFormats = require("ajv-formats") as (ajv: Ajv) => void;
  const ajv = new Ajv2020({ ...OPTIONS, ...options });
  addFormats(ajv);
  for (const schema of referable) ajv.addSchema(schema);
  return ajv;
}

const ajv = (): Ajv => (shared ??= newAjv());

/** Makes a schema available to $ref from the others (by its $id); one already known is left as is. */
export function addSchema(schema: object & { $id?: string }): void {
  if (schema.$id !== undefined && (referable.some((s) => s.$id === schema.$id) || shared?.getSchema(schema.$id))) return;
  referable.push(schema);
  shared?.addSchema(schema);
}

/** A validator compiled now, with the project's options and the referable schemas. */
export function compileSchema<T>(schema: object): ValidateFunction<T> {
  return ajv().compile<T>(schema);
}

/** A validator that checks `data` and then holds the errors, like ajv's ValidateFunction. */
export interface Validator<T> {
  (data: unknown): data is T;
  readonly errors: ValidateFunction["errors"];
  /** the schema it checks against now */
  readonly schema: object;
}

/**
 * A validator for a schema derived from the role catalog: built on first use, and built again
 * when a role is registered later (a test's fixture role), so no role is ever missing from it.
 * `prebuilt` may answer a validator the build generated for exactly the schema built (see
 * `prebuiltValidator`); otherwise it is compiled.
 */
export function derivedValidator<T>(
  build: () => object & { $id?: string },
  version: () => number = catalogVersion,
  prebuilt?: (schema: object) => ValidateFunction | undefined,
): Validator<T> {
  let built: { version: number; schema: object & { $id?: string }; validate: ValidateFunction<T> } | undefined;
  const compile = (schema: object & { $id?: string }) => {
    if (schema.$id !== undefined) ajv().removeSchema(schema.$id);
    return ajv().compile<T>(schema);
  };
  const current = () => {
    if (built?.version !== version()) {
      const schema = build();
      built = { version: version(), schema, validate: (prebuilt?.(schema) as ValidateFunction<T> | undefined) ?? compile(schema) };
    }
    return built;
  };
  const validator = ((data: unknown) => current().validate(data)) as Validator<T>;
  Object.defineProperty(validator, "errors", { get: () => current().validate.errors });
  Object.defineProperty(validator, "schema", { get: () => current().schema });
  return validator;
}

/** Human-readable validation errors: `/devices/2/key must match pattern ...`. */
export function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((e) => {
      const extra = "additionalProperty" in e.params ? ` (${String(e.params.additionalProperty)})` : "";
      return `${e.instancePath || "(root)"} ${e.message ?? "is invalid"}${extra}`;
    })
    .join("; ");
}

/** What a generated validator was generated from: the schema and every schema it refers to. */
function fingerprint(schemas: readonly object[]): string {
  return createHash("sha256").update(JSON.stringify(schemas)).digest("hex");
}

/**
 * A CommonJS module (ajv's standalone code) that validates against `schema`, with `refs` the
 * schemas it refers to, exactly as `compileSchema` does, and that holds the fingerprint of the
 * schemas it was generated from. The build writes it; `prebuiltValidator` loads it.
 */
export function standaloneModule(schema: object, refs: readonly object[]): string {
  const { default: standaloneCode } = require("ajv/dist/standalone/index.js") as typeof import("ajv/dist/standalone/index.js");
  const generator = newAjv({ code: { source: true } });
  for (const ref of refs) if (!generator.getSchema((ref as { $id: string }).$id)) generator.addSchema(ref);
  const code = standaloneCode(generator, generator.compile(schema));
  return `${code}\nmodule.exports.fingerprint = ${JSON.stringify(fingerprint([schema, ...refs]))};\n`;
}

/**
 * The validator in `file` (written by `standaloneModule`) when it was generated from these very
 * schemas; undefined when there is no such file (the sources run without a build) or it was
 * generated from others (a role registered at run time, a build older than the schemas).
 */
export function prebuiltValidator(file: URL, schema: object, refs: readonly object[]): ValidateFunction | undefined {
  if (!existsSync(file)) return undefined;
  const generated = require(fileURLToPath(file)) as ValidateFunction & { fingerprint: string };
  return generated.fingerprint === fingerprint([schema, ...refs]) ? generated : undefined;
}
