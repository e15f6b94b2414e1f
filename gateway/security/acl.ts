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

export function grantsFor(role: Role, deviceId?: number): Grants {
  switch (role) {
    case "command-center":
      return compile(["pantau/v1/+/+/command"], ["pantau/#"]);
    case "field-crew":
      return compile([], ["pantau/v1/#"]);
    case "device":
      if (deviceId === undefined) throw new Error("a device grant needs its device id");
      return compile([`pantau/raw/${deviceId}`], [`pantau/raw/${deviceId}/down`]);
  }
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
