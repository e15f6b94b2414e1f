import { TOPIC_ROOT } from "../publish/publisher.js";

/**
 * Topic ACLs per role. A role grants topic patterns (MQTT filter syntax) to publish to and to
 * read from; everything else is refused.
 */
export const ROLES = ["command-center", "field-crew", "device"] as const;
export type Role = (typeof ROLES)[number];

export interface Grants {
  /** topics a client may publish to; `+` here never matches an empty level */
  readonly publish: readonly string[][];
  /** filters a client may subscribe within, and topics it may be sent */
  readonly read: readonly string[][];
}

/** What narrows a role's grants: a device user's own id; the sites a person may see (all when absent). */
export interface Scope {
  deviceId?: number;
  sites?: readonly string[];
}

export function grantsFor(role: Role, scope: Scope = {}): Grants {
  const { deviceId, sites } = scope;
  const bySite = (suffix: string) => (sites ? sites.map((site) => `${TOPIC_ROOT}/${site}/${suffix}`) : [`${TOPIC_ROOT}/+/${suffix}`]);
  switch (role) {
    case "command-center":
      // unscoped it also reads the raw frames (pantau/raw/#), which carry no site
      return compile(bySite("+/command"), sites ? bySite("#") : ["pantau/#"]);
    case "field-crew":
      return compile([], sites ? bySite("#") : [`${TOPIC_ROOT}/#`]);
    case "device":
      if (deviceId === undefined) throw new Error("a device grant needs its device id");
      return compile([`pantau/raw/${deviceId}`], [`pantau/raw/${deviceId}/down`]);
  }
}

/** Whether the grants let a person read everything of a site (for the HTTP API, say). */
export function mayReadSite(grants: Grants, site: string): boolean {
  return maySubscribe(grants, `${TOPIC_ROOT}/${site}/#`);
}

/** Whether the grants let a person send commands to every unit of a site. */
export function mayCommandSite(grants: Grants, site: string): boolean {
  const filter = levels(`${TOPIC_ROOT}/${site}/+/command`);
  return grants.publish.some((pattern) => filterWithin(filter, pattern));
}

function compile(publish: string[], read: string[]): Grants {
  return { publish: publish.map(levels), read: read.map(levels) };
}

function levels(topic: string): string[] {
  return topic.split("/");
}

/** `$` topics (the broker's `$SYS` among them) and wildcards are never publishable by clients. */
export function mayPublish(grants: Grants, topic: string): boolean {
  if (topic.startsWith("$") || topic.includes("+") || topic.includes("#")) return false;
  const topicLevels = levels(topic);
  return grants.publish.some((pattern) => topicMatches(pattern, topicLevels));
}

/** A subscription is allowed only when every topic it could match lies inside a read grant. */
export function maySubscribe(grants: Grants, filter: string): boolean {
  const filterLevels = levels(filter);
  return grants.read.some((pattern) => filterWithin(filterLevels, pattern));
}

/** Whether a published topic may be delivered to a client (guards sessions taken over by another user). */
export function mayRead(grants: Grants, topic: string): boolean {
  if (topic.startsWith("$")) return false;
  const topicLevels = levels(topic);
  return grants.read.some((pattern) => topicMatches(pattern, topicLevels));
}

/** MQTT matching of a concrete topic against a pattern; `#` also matches the parent level. */
export function topicMatches(pattern: readonly string[], topic: readonly string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p === "#") return true;
    const t = topic[i];
    if (t === undefined) return false;
    if (p === "+" ? t === "" : p !== t) return false;
  }
  return pattern.length === topic.length;
}

/** Whether the set of topics matched by `filter` is a subset of those matched by `pattern`. */
export function filterWithin(filter: readonly string[], pattern: readonly string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p === "#") return true;
    const f = filter[i];
    if (f === undefined || f === "#") return false;
    if (p !== "+" && f !== p) return false;
  }
  return pattern.length === filter.length;
}
