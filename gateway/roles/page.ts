// What the fleet page shows of a role, served to the browser from the plug-in (GET /api/roles),
// so the page names no role, kind or field of its own: a new role appears with its own words.

/** Words in the page's two languages; `{name}` is filled from the reading shown (or the alarm). */
export interface Words {
  id: string;
  en: string;
}

/** One figure of a reading: on the unit's live card and, if `chart`, on its 24-hour chart. */
export interface PageFigure {
  /** the payload property */
  field: string;
  label: Words;
  /** after the number: "km/jam" / "km/h" */
  unit?: Words;
  /** decimals shown (default 0) */
  digits?: number;
  /** a share 0..1 shown as a percentage */
  share?: true;
  chart?: true;
  /** drawn dashed on the chart (a limit, not a measurement) */
  dashed?: true;
}

/** A kind of reading the page shows for units of the role. */
export interface PageShow {
  /** the output kind */
  kind: string;
  /** only payloads without this property (the sign's statistics, not its histograms) */
  without?: string;
  /** the property with the time observed, if not `dateObserved` (the FIWARE model's own) */
  time?: string;
  /** one row per value of this property (a lane), labelled with these words and {n} */
  per?: { field: string; label: Words };
  /** the chart's title */
  title: Words;
  /** the first is shown large */
  figures: readonly PageFigure[];
  /** the first figure drawn as a gauge up to this value of the unit's registry entry ("flood.referenceLevelM") */
  scale?: string;
  /** lines on the gauge and the chart at values of the registry entry */
  lines?: ReadonlyArray<{ label: Words; registry: string; level: "alert" | "danger" }>;
  /** a property whose values the page names (the flood status), with the words for each */
  state?: { field: string; words: Readonly<Record<string, Words>> };
}

/** The page's view of a role. */
export interface RolePage {
  label: Words;
  shows: readonly PageShow[];
  /** the role's alarm types, the words by severity; {level} is the alarm's level */
  alarms?: Readonly<Record<string, Readonly<Record<"warning" | "critical", Words>>>>;
}
