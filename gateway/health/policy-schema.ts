// The config's `health` section names roles (an interval and battery limits for each): those
// properties come from the role catalog, so a role added is a role the config may tune.

import { roleNames } from "../../shared/roles/catalog.js";

type Json = Record<string, any>;

/** The config schema with one `defaultIntervalS` and one `battery` property per registered role. */
export function withRolePolicies(schema: Json): Json {
  const health = schema.properties.health;
  const perRole = (value: Json) => Object.fromEntries(roleNames().map((name) => [name, value]));
  return {
    ...schema,
    properties: {
      ...schema.properties,
      health: {
        ...health,
        properties: {
          ...health.properties,
          defaultIntervalS: { ...health.properties.defaultIntervalS, properties: perRole({ type: "integer", minimum: 1 }) },
          battery: { ...health.properties.battery, properties: perRole({ $ref: "#/$defs/batteryPolicy" }) },
        },
      },
    },
  };
}
