// Which bridges heard a unit: every frame relayed over LoRa arrives on a bridge's link with the
// bridge's radio figures for that packet; the bridge on a link is the unit whose own frames arrive
// on it unrelayed. Per unit and link: frames, the latest RSSI/SNR and when, over a recent window.

/** a bridge not heard relaying a unit for this long drops out of the unit's list */
export const HEARD_WINDOW_MS = 15 * 60_000;

/** One bridge (link) that relayed a unit's frames, as the health snapshot and status show it. */
export interface HeardVia {
  /** the bridge's device id; null until its own frames have arrived on the link */
  bridge: number | null;
  /** the gateway's link (serial port) the bridge is on */
  link: string;
  frames: number;
  /** dBm, of the latest frame */
  rssi: number;
  /** dB, of the latest frame */
  snr: number;
  lastHeard: string;
}

interface Entry {
  frames: number;
  rssiDbm: number;
  snrDb10: number;
  at: number;
}

export class HeardBy {
  private readonly byUnit = new Map<number, Map<string, Entry>>();
  private readonly bridgeOn = new Map<string, number>();

  /** A frame of `deviceId` on `link`: relayed with its radio figures, or the link's own unit. */
  note(deviceId: number, link: string, at: number, radio?: { rssiDbm: number; snrDb10: number }): void {
    if (!radio) {
      this.bridgeOn.set(link, deviceId);
      return;
    }
    const links = this.byUnit.get(deviceId) ?? new Map<string, Entry>();
    this.byUnit.set(deviceId, links);
    const frames = (links.get(link)?.frames ?? 0) + 1;
    links.set(link, { frames, rssiDbm: radio.rssiDbm, snrDb10: radio.snrDb10, at: Math.max(at, links.get(link)?.at ?? at) });
  }

  /** The bridges that heard the unit within the window before its latest relayed frame, best SNR first. */
  of(deviceId: number): HeardVia[] {
    const links = this.byUnit.get(deviceId);
    if (!links) return [];
    const newest = Math.max(...[...links.values()].map((e) => e.at));
    for (const [link, e] of links) if (newest - e.at > HEARD_WINDOW_MS) links.delete(link);
    return [...links].sort(([, a], [, b]) => b.snrDb10 - a.snrDb10).map(([link, e]) => ({
      bridge: this.bridgeOn.get(link) ?? null, link, frames: e.frames, rssi: e.rssiDbm, snr: e.snrDb10 / 10, lastHeard: new Date(e.at).toISOString(),
    }));
  }
}
