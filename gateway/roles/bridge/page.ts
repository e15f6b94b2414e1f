import type { RolePage } from "../page.js";

/** A bridge relays: it has no readings of its own to show. */
export const bridgePage: RolePage = { label: { id: "Jembatan LoRa", en: "LoRa bridge" }, shows: [] };
