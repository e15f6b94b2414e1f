import { roleNames } from "../../shared/roles/catalog.js";
import { addSchema, derivedValidator, type Validator } from "../schema.js";
import { gatewayRoles, outputKinds, rolesVersion } from "../roles/index.js";
import type { Kind } from "./common.js";
import alarm from "./schemas/alarm.schema.json" with { type: "json" };
import common from "./schemas/common.schema.json" with { type: "json" };
import status from "./schemas/status.schema.json" with { type: "json" };

addSchema(common);

type Json = Record<string, unknown>;

/** The alarm schema: health alarms of any unit, plus each role's own alarm types and fields. */
export function alarmSchema(): Json {
  const properties = alarm.properties as Json & { alarmType: { enum: string[] } };
  const roles = gatewayRoles().flatMap((p) => (p.alarms ? [p.alarms] : []));
  return {
    ...alarm,
    properties: {
      ...properties,
      alarmType: { enum: [...roles.flatMap((a) => a.types), ...properties.alarmType.enum] },
      ...Object.assign({}, ...roles.map((a) => a.properties)),
    },
  };
}

/** The status schema with the registered roles. */
export function statusSchema(): Json {
  return { ...status, properties: { ...status.properties, role: { enum: roleNames() } } };
}

function kindSchema(kind: Kind): Json | undefined {
  if (kind === "alarm") return alarmSchema();
  if (kind === "status") return statusSchema();
  return gatewayRoles().find((p) => p.outputs[kind])?.outputs[kind];
}

const validators = new Map<Kind, Validator<unknown>>();

/** The published JSON Schema of a normalized kind, compiled once (and again when a role is added). */
export function outputValidator(kind: Kind): Validator<unknown> {
  let validator = validators.get(kind);
  if (!validator) {
    if (!outputKinds().includes(kind)) throw new Error(`no output kind ${kind}; known: ${outputKinds().join(", ")}`);
    validator = derivedValidator(() => kindSchema(kind) as Json, rolesVersion);
    validators.set(kind, validator);
  }
  return validator;
}
