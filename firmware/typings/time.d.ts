// Moddable's time module: `ticks` is a millisecond counter from boot, never set by anyone.

declare module "time" {
  const Time: {
    readonly ticks: number;
  };
  export default Time;
}
