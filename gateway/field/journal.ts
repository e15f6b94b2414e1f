// A key this laptop has made but the fleet files do not hold yet (a provisioning or a key rotation
// under way): kept beside the keys file, mode 0600, until the unit has proved it holds the key.

import { dirname, join } from "node:path";
import type { RoleName } from "../../shared/messages.js";
import type { FleetPaths } from "./fleet-files.js";

export interface Journal {
  id: number;
  key: string;
  role: RoleName;
}

export const journalPath = (paths: FleetPaths, id: number): string => join(dirname(paths.keys ?? paths.registry), ".provisioning", `${id}.json`);
