// The roles every build knows, in code order. A new role adds its descriptor here (and its
// firmware to firmware/roles/index.ts, its gateway plug-in to gateway/roles/index.ts).

import { bridge } from "./bridge.js";
import type { RoleDescriptor } from "./descriptor.js";
import { flood } from "./flood.js";
import { loop } from "./loop.js";
import { sign } from "./sign.js";

export const BUILTIN_ROLES: readonly RoleDescriptor[] = [loop, sign, flood, bridge];
