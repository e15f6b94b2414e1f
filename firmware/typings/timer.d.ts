// Moddable's timer module: one-shot and repeating callbacks on the XS event loop.

declare module "timer" {
  export type TimerID = object;

  const Timer: {
    /** calls back after `delay` ms, then every `repeat` ms if given */
    set(callback: (id: TimerID) => void, delay?: number, repeat?: number): TimerID;
    repeat(callback: (id: TimerID) => void, interval: number): TimerID;
    clear(id: TimerID): void;
    delay(ms: number): void;
  };
  export default Timer;
}
