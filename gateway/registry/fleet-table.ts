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
  return {
    ids: entries.map((e) => (e as { id: number }).id),
    columns: Object.fromEntries([...columns].map(([name, c]) => [name, { values: c.values, of: c.of }])),
  };
}

/** Each unit of the table as an object: `id`, then the properties it has, in the table's order. */
export function* rows(table: FleetTable): Generator<Record<string, unknown>> {
  const names = Object.keys(table.columns);
  const columns = Object.values(table.columns);
  for (let unit = 0; unit < table.ids.length; unit++) {
    const row: Record<string, unknown> = { id: table.ids[unit] };
    for (let c = 0; c < columns.length; c++) {
      const at = columns[c]!.of[unit]!;
      if (at >= 0) row[names[c]!] = columns[c]!.values[at];
    }
    yield row;
  }
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
