import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import formats from "ajv-formats";

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module object.
const addFormats = ((formats as unknown as { default?: unknown }).default ?? formats) as (ajv: Ajv2020) => void;

const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
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

/** Human-readable validation errors: `/devices/2/key must match pattern ...`. */
export function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((e) => {
      const extra = "additionalProperty" in e.params ? ` (${String(e.params.additionalProperty)})` : "";
      return `${e.instancePath || "(root)"} ${e.message ?? "is invalid"}${extra}`;
    })
    .join("; ");
}
