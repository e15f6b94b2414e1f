// Where a frame's time goes, for `npm run bench -- --latency-trace` (bench/latency-probe.ts):
// diagnostics channels the serial links and the pipeline publish on. Each publisher checks
// `hasSubscribers` first, so with nothing subscribed (always, outside that bench) they cost a
// property read. A subscriber takes its own clock: channels deliver synchronously.
import { channel } from "node:diagnostics_channel";

/** A serial link read a chunk of bytes (its frames are handled in this same call). */
export interface LinkRead {
  source: string;
  bytes: number;
}

/** A reading was handed to the embedded broker for its live subscribers. */
export interface FramePublish {
  deviceId: number;
  boot: number;
  seq: number;
}

export const linkRead = channel("pantau:link-read");
export const framePublish = channel("pantau:frame-publish");
