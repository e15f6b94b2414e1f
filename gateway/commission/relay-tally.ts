// What a bridge relays, per unit heard: frames, the last radio figures, and how often each unit
// sends (from the seq and time in its frames' headers, so resends and the listening time do not
// count), from which the share of the bridge's transmit budget their acks would need follows.
// Each ack sets a unit's clock, which can step it back a little (a fast crystal, or a unit run
// faster than real time in a test): the frames after such a step start a new span, and the rate
// is taken over all spans of one boot.

import { loraAirtimeMs } from "../../shared/airtime.js";
import { encodeFrame, type Header } from "../../shared/envelope.js";
import { AckResult } from "../../shared/messages.js";

/** Too short a span between two frames of a unit says nothing of its rate (a status and a report at boot). */
const MIN_SPAN_S = 60;

interface Heard {
  frames: number;
  rssiDbm: number;
  snrDb: number;
  /** the current span: frames whose times only went forward */
  first: Header;
  last: Header;
  /** seqs and seconds of the closed spans of the same boot and clock */
  seqs: number;
  seconds: number;
}

export class RelayTally {
  readonly units = new Map<number, Heard>();

  add(header: Header, rssiDbm: number, snrDb10: number): void {
    const seen = this.units.get(header.deviceId);
    const heard = { frames: (seen?.frames ?? 0) + 1, rssiDbm, snrDb: snrDb10 / 10, last: header };
    // a reboot, or the unit's clock set by its first ack (seconds since boot to wall time), starts the count again
    if (!seen || seen.last.boot !== header.boot || synced(seen.last) !== synced(header)) {
      this.units.set(header.deviceId, { ...heard, first: header, seqs: 0, seconds: 0 });
    } else if (header.timeS < seen.last.timeS) {
      this.units.set(header.deviceId, { ...heard, first: header, seqs: seen.seqs + spanSeqs(seen), seconds: seen.seconds + spanSeconds(seen) });
    } else {
      this.units.set(header.deviceId, { ...seen, ...heard });
    }
  }

  /** Frames per hour each unit sends, where its frames heard span long enough. */
  ratesPerHour(): number[] {
    return [...this.units.values()]
      .filter((u) => u.seconds + spanSeconds(u) >= MIN_SPAN_S)
      .map((u) => ((u.seqs + spanSeqs(u)) / (u.seconds + spanSeconds(u))) * 3600);
  }

  /**
   * Share (0..1 and beyond) of the bridge's hourly budget that one ack per frame would use, or
   * undefined while no unit's rate is known. `sf` and `dutyBp` are the bridge's settings.
   */
  ackDutyShare(sf: number, dutyBp: number): number | undefined {
    const rates = this.ratesPerHour();
    if (rates.length === 0) return undefined;
    const ackMs = loraAirtimeMs({ payloadBytes: ACK_BYTES, spreadingFactor: sf });
    return (rates.reduce((a, b) => a + b, 0) * ackMs) / ((dutyBp / 10_000) * 3_600_000);
  }
}

const spanSeqs = (u: Heard): number => u.last.seq - u.first.seq;
const spanSeconds = (u: Heard): number => u.last.timeS - u.first.timeS;

/** Unsynchronised units stamp seconds since boot, far below any wall time since 2024. */
const synced = (h: Header): boolean => h.timeS >= 1_704_067_200;

/** An ack's size on the air (a 4-byte MIC over fields whose sizes hardly vary): one measured. */
const ACK_BYTES = encodeFrame({
  type: "ack", deviceId: 0xffff, boot: 0xffff, seq: 0xffff, timeS: 0xfffffff0,
  body: { boot: 0xffff, seq: 0xffff, timeS: 0xfffffff0, result: AckResult.ok },
}, new Uint8Array(16)).length;
