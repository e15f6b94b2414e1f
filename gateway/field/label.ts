// The printable label of a provisioned unit: its id, site and role in words, and a QR code of its
// id and site that a phone or the fleet page can read.

import QRCode from "qrcode";
import type { DeviceEntry } from "../registry/registry.js";

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** What the QR code holds: `pantau:<site>/<id>`. */
export const labelCode = (entry: Pick<DeviceEntry, "id" | "site">): string => `pantau:${entry.site}/${entry.id}`;

export async function labelHtml(entry: DeviceEntry, provisionedAt: Date, firmware: string): Promise<string> {
  const qr = await QRCode.toString(labelCode(entry), { type: "svg", margin: 1, errorCorrectionLevel: "M" });
  const rows: Array<[string, string]> = [
    ["unit", String(entry.id)], ["role", entry.role], ["site", entry.site],
    ...(entry.road ? [["road", entry.road] as [string, string]] : []),
    ["location", `${entry.location.lat.toFixed(5)}, ${entry.location.lon.toFixed(5)}`],
    ["firmware", firmware], ["provisioned", provisionedAt.toLocaleString()],
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pantau unit ${entry.id}</title>
<style>
@page { size: 90mm 50mm; margin: 3mm; }
body { font: 10pt system-ui, sans-serif; margin: 0; }
.label { display: flex; gap: 4mm; width: 84mm; height: 44mm; border: 0.3mm solid #000; padding: 2mm; box-sizing: border-box; }
.qr svg { width: 36mm; height: 36mm; }
h1 { font-size: 12pt; margin: 0 0 1mm; }
table { border-collapse: collapse; } th { text-align: left; font-weight: normal; color: #444; padding-right: 2mm; }
</style></head>
<body><div class="label"><div class="qr" role="img" aria-label="${escape(labelCode(entry))}">${qr}</div>
<div><h1>${escape(entry.name)}</h1><table>
${rows.map(([k, v]) => `<tr><th>${k}</th><td>${escape(v)}</td></tr>`).join("\n")}
</table></div></div></body></html>
`;
}
