/**
 * A checked fleet as columns: each property's distinct values once, and for each unit the index
 * of its value. Units built from it share every value their entries repeat (role, site, road,
 * lanes, a role's section): one string or object for all that hold the same, read-only. It is
 * also what the registry cache holds (registry-cache.ts), so a restart with the same fleet file
 * builds the units without parsing and checking 65,535 entries again.
 */
export interface FleetTable {
  ids: number[];
  /** per property but `id` and `key`: its distinct values, and per unit an index into them (-1: the unit has none) */
  columns: Record<string, { values: unknown[]; of: number[] }>;
  /** which properties units have, as column numbers: a few such shapes in a fleet, and per unit the index of its own */
  shapes: number[][];
  shapeOf: number[];
}

/** The entries as a table; their keys are left out (a table may be written to the cache). */
export function tabulate(entries: readonly object[]): FleetTable {
  const columns = new Map<string, Column>();
  entries.forEach((entry, unit) => {
    for (const [name, value] of Object.entries(entry)) {
      if (name === "id" || name === "key") continue;
      let column = columns.get(name);
      if (column === undefined) columns.set(name, (column = new Column(entries.length)));
      column.of[unit] = column.index(value);
    }
  });
  const all = [...columns.values()];
  const shapes = new Column(0);
  const shapeOf = entries.map((_, unit) => shapes.index(all.flatMap((c, n) => (c.of[unit] === -1 ? [] : [n]))));
  return {
    ids: entries.map((e) => (e as { id: number }).id),
    columns: Object.fromEntries([...columns].map(([name, c]) => [name, { values: c.values, of: c.of }])),
    shapes: shapes.values as number[][],
    shapeOf,
  };
}

/**
 * Each unit of the table as an object: `id`, then the properties it has, in the table's order,
 * then `keyBytes` (undefined for a unit with no key). Each is a copy of an object of its shape,
 * values set after: V8 copies the shape whole, where adding the properties one by one looked up a
 * transition for each (65,535 units: some 110 ms of a start, against 35; adding `keyBytes` to the
 * copies cost another 220).
 */
export function rows(table: FleetTable, keyOf: (id: number) => Uint8Array | undefined): Array<Record<string, unknown>> {
  const names = Object.keys(table.columns);
  const columns = Object.values(table.columns);
  const templates = table.shapes.map((shape) => Object.fromEntries([["id", 0], ...shape.map((c) => [names[c]!, undefined]), ["keyBytes", undefined]]) as Record<string, unknown>);
  const units = new Array<Record<string, unknown>>(table.ids.length);
  // indexes, not for-of or a generator: this runs once a start, mostly before the optimizing compiler gets to it
  for (let unit = 0; unit < units.length; unit++) {
    const shape = table.shapeOf[unit]!;
    const row = { ...templates[shape]! };
    row.id = table.ids[unit];
    const present = table.shapes[shape]!;
    for (let i = 0; i < present.length; i++) row[names[present[i]!]!] = columns[present[i]!]!.values[columns[present[i]!]!.of[unit]!];
    row.keyBytes = keyOf(table.ids[unit]!);
    units[unit] = row;
  }
  return units;
}

class Column {
  readonly values: unknown[] = [];
  readonly of: number[];
  private readonly strings = new Map<string, number>();
  /** numbers, objects, arrays, by their JSON */
  private readonly others = new Map<string, number>();

  constructor(units: number) {
    this.of = new Array<number>(units).fill(-1);
  }

  index(value: unknown): number {
    const [seen, key] = typeof value === "string" ? [this.strings, value] : [this.others, JSON.stringify(value)];
    let at = seen.get(key);
    if (at === undefined) {
      at = this.values.push(value) - 1;
      seen.set(key, at);
    }
    return at;
  }
}
