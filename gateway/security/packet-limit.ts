import type { Readable } from "node:stream";

/**
 * Watches the MQTT packets on a connection's byte stream and calls `oversize` as soon as a fixed
 * header declares a packet larger than `maxBytes` (the whole packet, header included), before its
 * body arrives. aedes' parser (mqtt-packet) has no size limit and buffers a packet whole.
 *
 * It listens to 'data', which a stream also emits for every chunk its 'readable' consumer (aedes)
 * reads, so it sees each chunk just before the parser does and never holds a byte itself.
 */
export function watchPacketSizes(stream: Readable, maxBytes: number, oversize: (declaredBytes: number) => void): void {
  let state: "header" | "length" | "body" = "header";
  let remaining = 0;
  let lengthBytes = 0;
  let multiplier = 1;
  const onData = (chunk: Buffer): void => {
    let i = 0;
    while (i < chunk.length) {
      if (state === "body") {
        const skip = Math.min(remaining, chunk.length - i);
        i += skip;
        remaining -= skip;
        if (remaining === 0) state = "header";
        continue;
      }
      const byte = chunk[i++]!;
      if (state === "header") {
        state = "length";
        remaining = 0;
        lengthBytes = 0;
        multiplier = 1;
        continue;
      }
      // the remaining length: 1 to 4 bytes, 7 bits each, low bits first (MQTT 3.1.1 §2.2.3)
      remaining += (byte & 0x7f) * multiplier;
      multiplier *= 128;
      lengthBytes += 1;
      const total = 1 + lengthBytes + remaining;
      if (total > maxBytes || (byte & 0x80 && lengthBytes === 4)) {
        stream.off("data", onData);
        oversize(total);
        return;
      }
      if (!(byte & 0x80)) state = remaining > 0 ? "body" : "header";
    }
  };
  stream.on("data", onData);
}
