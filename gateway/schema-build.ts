// Run by `npm run build` after tsc: writes the gateway config's validator as ajv standalone code
// beside dist/gateway/config.js, generated from the same schemas the gateway would compile, so
// `pantau gateway` checks its config without loading or running ajv's compiler.

import { writeFileSync } from "node:fs";
import { CONFIG_REFS, fileSchema, PREBUILT_VALIDATOR } from "./config.js";
import { standaloneModule } from "./schema.js";

writeFileSync(PREBUILT_VALIDATOR, standaloneModule(fileSchema(), CONFIG_REFS));
