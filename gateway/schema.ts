import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import formats from "ajv-formats";
import { catalogVersion } from "../shared/roles/catalog.js";

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module object.
const addFormats = ((formats as unknown as { default?: unknown }).default ?? formats) as (ajv: Ajv2020) => void;

// No check of each schema against JSON Schema's meta-schema (validateSchema): they are the
// project's and its role plug-ins', compiled in strict mode, which refuses unknown keywords and
// keyword values of the wrong type; compiling the meta-schema cost about 100 ms at every start.
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, validateSchema: false });
addFormats(ajv);

/** Makes a schema available to $ref from the others (by its $id); one already known is left as is. */
export function addSchema(schema: object & { $id?: string }): void {
  if (schema.$id !== undefined && ajv.getSchema(schema.$id)) return;
  ajv.addSchema(schema);
}

/** One compiled validator per schema object, shared by config, registry, outputs and commands. */
export function compileSchema<T>(schema: object): ValidateFunction<T> {
  return ajv.compile<T>(schema);
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
 */
export function derivedValidator<T>(build: () => object & { $id?: string }, version: () => number = catalogVersion): Validator<T> {
  let built: { version: number; schema: object & { $id?: string }; validate: ValidateFunction<T> } | undefined;
  const current = () => {
    if (built?.version !== version()) {
      const schema = build();
      if (schema.$id !== undefined) ajv.removeSchema(schema.$id);
      built = { version: version(), schema, validate: ajv.compile<T>(schema) };
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
