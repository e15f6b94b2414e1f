// The firmware version reported in status frames: major * 10000 + minor * 100 + patch.

export const FIRMWARE_VERSION = 10000;

export function versionText(code: number): string {
  return `${Math.floor(code / 10000)}.${Math.floor(code / 100) % 100}.${code % 100}`;
}
