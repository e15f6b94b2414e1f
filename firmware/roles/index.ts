// The firmware of every role in one image: provisioning picks which one a unit runs.

import type { RoleRegistry } from "../main.js";
import { bridgeRole } from "./bridge/role.js";
import { floodRole } from "./flood/role.js";
import { loopRole } from "./loop/role.js";
import { signRole } from "./sign/role.js";

export const ROLES: RoleRegistry = {
  loop: loopRole,
  sign: signRole,
  flood: floodRole,
  bridge: bridgeRole,
};
