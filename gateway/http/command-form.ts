import type { JSONSchemaType } from "ajv";
import { checkForDevice, validateCommand, type Command } from "../commands/translate.js";
import type { Device } from "../registry/registry.js";

/** One input of a command form, with the bounds the command schema sets. */
export interface FormField {
  name: string;
  minimum?: number;
  maximum?: number;
  enum?: number[];
}

export interface CommandForm {
  ops: Array<{ op: string; fields: FormField[] }>;
}

type Node = Partial<JSONSchemaType<unknown>> & Record<string, unknown>;

/** Fields every command may carry; the form sets them itself. */
const COMMON = new Set(["op", "ttlS", "ref"]);

/**
 * The forms the page offers for one unit, read from the command validator's own schema (no
 * second copy of the rules): each op and its settings with their bounds, keeping only settings
 * this unit has (as checkForDevice decides), and ops left with something to set.
 */
export function commandForm(device: Device): CommandForm {
  const root = validateCommand.schema as Node;
  const ops = ((root.properties as Record<string, Node>).op!.enum ?? []) as string[];
  return {
    ops: ops.flatMap((op) => {
      const branch = branchOf(root, op);
      const props = Object.entries((branch?.properties ?? {}) as Record<string, Node>).filter(([name]) => !COMMON.has(name));
      const fields = props
        .map(([name, p]) => field(name, p))
        .filter((f) => checkForDevice({ op, [f.name]: sample(f) } as Command, device) === undefined);
      return props.length > 0 && fields.length === 0 ? [] : [{ op, fields }];
    }),
  };
}

/** The `then` of the `allOf` entry whose `if` picks this op, with a local $ref followed. */
function branchOf(root: Node, op: string): Node | undefined {
  for (const rule of (root.allOf ?? []) as Node[]) {
    const cond = (rule.if as Node | undefined)?.properties as Record<string, Node> | undefined;
    if (cond?.op?.const !== op) continue;
    return resolve(root, rule.then as Node);
  }
  return undefined;
}

function resolve(root: Node, node: Node): Node {
  const ref = node.$ref;
  if (typeof ref !== "string" || !ref.startsWith("#/")) return node;
  return ref.slice(2).split("/").reduce<Node>((at, key) => at[key] as Node, root);
}

function field(name: string, p: Node): FormField {
  const f: FormField = { name };
  if (typeof p.minimum === "number") f.minimum = p.minimum;
  if (typeof p.maximum === "number") f.maximum = p.maximum;
  if (Array.isArray(p.enum)) f.enum = p.enum as number[];
  return f;
}

function sample(f: FormField): number {
  return f.enum?.[0] ?? f.minimum ?? 0;
}
