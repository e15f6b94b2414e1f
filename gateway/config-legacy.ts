/**
 * Old spellings a config file may still use, rewritten to today's before the file is checked,
 * each with one line saying what to write instead (the gateway logs them at start).
 */
export function upgradeLegacyConfig(json: unknown): { json: unknown; deprecations: string[] } {
  if (!isObject(json)) return { json, deprecations: [] };
  const deprecations: string[] = [];
  const file = { ...json };
  if (Array.isArray(file.serial)) {
    file.serial = file.serial.map((port: unknown) => {
      if (!isObject(port) || port.link !== "bridge") return port;
      deprecations.push(`serial port ${String(port.path)}: link "bridge" is deprecated, write "relay" (read as "relay")`);
      return { ...port, link: "relay" };
    });
  }
  // before there could be several senders, `upstream` held the MQTT sender's options itself
  if (isObject(file.upstream) && "url" in file.upstream) {
    deprecations.push(`upstream: the MQTT sender's settings directly under "upstream" are deprecated, put them under "upstream.mqtt" (read as such)`);
    file.upstream = { mqtt: file.upstream };
  }
  return { json: file, deprecations };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
