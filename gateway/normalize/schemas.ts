import type { ValidateFunction } from "ajv";
import { addSchema, compileSchema } from "../schema.js";
import type { Kind } from "./common.js";
import alarm from "./schemas/alarm.schema.json" with { type: "json" };
import common from "./schemas/common.schema.json" with { type: "json" };
import flood from "./schemas/flood.schema.json" with { type: "json" };
import speed from "./schemas/speed.schema.json" with { type: "json" };
import status from "./schemas/status.schema.json" with { type: "json" };
import traffic from "./schemas/traffic.schema.json" with { type: "json" };

addSchema(common);

/** The published JSON Schema of every normalized kind, compiled once. */
export const OUTPUT_SCHEMAS: Record<Kind, ValidateFunction> = {
  traffic: compileSchema(traffic),
  speed: compileSchema(speed),
  flood: compileSchema(flood),
  alarm: compileSchema(alarm),
  status: compileSchema(status),
};
