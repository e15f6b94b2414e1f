// The command schema: command.schema.json holds the parts that are no role's (ttlS, ref, the ops
// without settings); the ops that set settings are derived from the role catalog, one op per
// group of settings, each setting with its own range and unit.

import { CORE_COMMAND_OPS } from "../../shared/core-settings.js";
import { commandSettingList, roleNamed, settingOps, type CommandSettingInfo } from "../../shared/roles/catalog.js";
import base from "./command.schema.json" with { type: "json" };

/** Ops that carry no settings, as the file lists them. */
const OTHER_OPS: readonly string[] = base.allOf.map((entry) => entry.if.properties.op.const);

type Json = Record<string, unknown>;

export function settingProperty(info: CommandSettingInfo): Json {
  const { spec } = info;
  const range: Json = spec.allowed ? { enum: [...spec.allowed] } : { type: "integer", minimum: spec.min, maximum: spec.max };
  const what = [spec.doc, spec.unit, info.role === undefined ? "any unit" : `${roleNamed(info.role)?.name} units`].filter(Boolean);
  return { description: what.join("; "), ...range };
}

/** Ops that set settings, in the order roles were registered, with the settings each carries. */
function opsWithSettings(): Map<string, CommandSettingInfo[]> {
  const ops = new Map<string, CommandSettingInfo[]>();
  const declared = settingOps();
  for (const info of commandSettingList()) {
    if (declared[info.spec.command.op] === undefined) continue;
    const list = ops.get(info.spec.command.op) ?? [];
    list.push(info);
    ops.set(info.spec.command.op, list);
  }
  // the roles' own ops first, then those every unit has
  const order = Object.keys(declared).sort((a, b) => Number(a in CORE_COMMAND_OPS) - Number(b in CORE_COMMAND_OPS));
  return new Map([...ops].sort(([a], [b]) => order.indexOf(a) - order.indexOf(b)));
}

export function commandSchema(): Json {
  const ops = opsWithSettings();
  const declared = settingOps();
  const defs: Json = { ...(base.$defs as Json) };
  for (const [op, settings] of ops) {
    defs[op] = {
      description: declared[op]?.doc,
      type: "object",
      properties: {
        op: true,
        ttlS: { $ref: "#/$defs/ttlS" },
        ref: { $ref: "#/$defs/ref" },
        ...Object.fromEntries(settings.map((s) => [s.name, settingProperty(s)])),
      },
      additionalProperties: false,
      anyOf: settings.map((s) => ({ required: [s.name] })),
    };
  }
  const settingOpNames = [...ops.keys()];
  return {
    ...base,
    properties: { op: { ...base.properties.op, enum: [...settingOpNames, ...OTHER_OPS] } },
    allOf: [
      ...settingOpNames.map((op) => ({ if: { properties: { op: { const: op } } }, then: { $ref: `#/$defs/${op}` } })),
      ...base.allOf,
    ],
    $defs: defs,
  };
}
