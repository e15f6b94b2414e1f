// The gateway's role plug-ins: the built-in ones, registered when this module loads, and any a
// test registers (a fixture role). Everything role-specific in the gateway (normalizers, output
// kinds and schemas, registry sections, health defaults) is looked up here or in the role
// catalog, never written out per role elsewhere.

import type { MessageTypeName } from "../../shared/messages.js";
import { catalogVersion, registerRole, roleNamed } from "../../shared/roles/catalog.js";
import { bridgeGateway } from "./bridge/index.js";
import { floodGateway } from "./flood/index.js";
import { loopGateway } from "./loop/index.js";
import type { GatewayRole, Normalizer } from "./plugin.js";
import { signGateway } from "./sign/index.js";

export type { GatewayRole, Normalizer, Schema } from "./plugin.js";

/** Output kinds that belong to no role: device health and alarms (a role may add alarm fields). */
export const CORE_KINDS: readonly string[] = ["alarm", "status"];

const plugins: GatewayRole[] = [];

/** Adds a role to the gateway, and to the role catalog if it is not there yet. */
export function registerGatewayRole(plugin: GatewayRole): void {
  const { role } = plugin;
  const fail = (why: string) => new Error(`gateway role ${role.name}: ${why}`);
  if (plugins.some((p) => p.role.name === role.name)) throw fail("already registered");
  for (const type of Object.keys(role.messages)) {
    if (!(type in plugin.normalizers)) throw fail(`it sends ${type} but has no normalizer for it`);
  }
  for (const type of Object.keys(plugin.normalizers)) {
    if (!(type in role.messages)) throw fail(`a normalizer for ${type}, which the role does not send`);
  }
  for (const kind of Object.keys(plugin.outputs)) {
    if (CORE_KINDS.includes(kind) || outputKinds().includes(kind)) throw fail(`output kind ${kind} is taken`);
  }
  const known = roleNamed(role.name);
  if (known === undefined) registerRole(role);
  else if (known !== role) throw fail("a different role of that name is in the catalog");
  plugins.push(plugin);
}

export function gatewayRoles(): readonly GatewayRole[] {
  return plugins;
}

export function gatewayRole(name: string): GatewayRole | undefined {
  return plugins.find((p) => p.role.name === name);
}

/** Changes whenever a role is added, so schemas derived from the roles are built again. */
export function rolesVersion(): number {
  return catalogVersion() * 1000 + plugins.length;
}

/** The normalizer for this role's message type, if the role sends it. */
export function normalizerFor<T extends MessageTypeName>(roleName: string, type: T): Normalizer<T> | undefined {
  return gatewayRole(roleName)?.normalizers[type] as Normalizer<T> | undefined;
}

/** The properties roles add to a registry entry (lanes, a flood unit's levels), those the entry has. */
export function roleSections(entry: object): Record<string, unknown> {
  const values = entry as Record<string, unknown>;
  const names = plugins.flatMap((p) => Object.keys(p.registry?.properties ?? {}));
  return Object.fromEntries(names.filter((n) => values[n] !== undefined).map((n) => [n, values[n]]));
}

/** The roles' own output kinds (readings), without the core ones. */
export function roleKinds(): string[] {
  return plugins.flatMap((p) => Object.keys(p.outputs));
}

/** Every output kind: the roles' own, then the core ones. */
export function outputKinds(): string[] {
  return [...roleKinds(), ...CORE_KINDS];
}

for (const plugin of [loopGateway, signGateway, floodGateway, bridgeGateway]) registerGatewayRole(plugin);
