// Moddable's preference module: small persistent values in flash (ESP32 NVS), grouped by domain.
// Values are booleans, integers, strings or ArrayBuffers of at most 63 bytes.

declare module "preference" {
  export type PreferenceValue = boolean | number | string | ArrayBuffer;

  const Preference: {
    get(domain: string, key: string): PreferenceValue | undefined;
    set(domain: string, key: string, value: PreferenceValue): void;
    delete(domain: string, key: string): void;
  };
  export default Preference;
}
