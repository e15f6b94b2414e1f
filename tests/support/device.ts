import { encodeFrame, type AnyEnvelope } from "../../shared/envelope.js";
import type { BodyByType, MessageTypeName } from "../../shared/messages.js";
import { flood } from "../../shared/roles/flood.js";
import { loop } from "../../shared/roles/loop.js";
import { sign } from "../../shared/roles/sign.js";
import { slipEncode } from "../../shared/slip.js";
import { keyBytes } from "./fleet.js";

/** A scripted device for gateway tests: real envelopes and MICs, boot and seq under test control. */
export class ScriptedDevice {
  boot = 1;
  seq = 0;
  private readonly key: Uint8Array;

  constructor(readonly id: number, keyHex: string) {
    this.key = keyBytes(keyHex);
  }

  frame<T extends MessageTypeName>(type: T, body: BodyByType[T], timeS = Math.floor(Date.now() / 1000)): Uint8Array {
    const env = { type, deviceId: this.id, boot: this.boot, seq: this.seq++, timeS, body } as AnyEnvelope;
    return encodeFrame(env, this.key);
  }

  slip<T extends MessageTypeName>(type: T, body: BodyByType[T], timeS?: number): Uint8Array {
    return slipEncode(this.frame(type, body, timeS));
  }

  reboot(): void {
    this.boot++;
    this.seq = 0;
  }
}

/** What the built-in roles send (a test's fixture role adds its own types to BodyByType). */
type BuiltinReading = "status" | keyof typeof loop.messages | keyof typeof sign.messages | keyof typeof flood.messages;

export const SAMPLE_BODIES = {
  loopInterval: { lane: 0, intervalS: 60, volume: 23, occupancyPermille: 142, speedKmh: 47, lengthDm: 46, classes: [4, 15, 3, 1], headwayDs: 26 },
  signStats: { intervalS: 300, count: 88, meanSpeedDkmh: 382, p85Kmh: 46, maxKmh: 71, overLimit: 21, limitKmh: 40 },
  signHistogram: { intervalS: 300, binWidthKmh: 5, firstBin: 4, counts: [2, 9, 20, 28, 15, 8, 4, 1, 0, 1] },
  floodReport: { distanceMm: 3050, levelMm: 1150, riseMmPerH: 40, status: 0, referenceMm: 4200, temperatureDc: 291, samples: 5 },
  floodAlarm: { status: 1, previous: 0, levelMm: 1512, riseMmPerH: 220, thresholdMm: 1500 },
  status: { role: 1, batteryMv: 12480, uptimeS: 86400, firmware: 10000, queueDepth: 0 },
} satisfies { [T in BuiltinReading]: BodyByType[T] };
