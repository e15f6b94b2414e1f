// Moddable's time module: `ticks` is a millisecond counter from boot, never set by anyone.

declare module "time" {
  const Time: {
    readonly ticks: number;
    /** microseconds from boot, on ports with a microsecond timer (ESP32: esp_timer); absent elsewhere */
    readonly microseconds?: number;
  };
  export default Time;
}
