// The one clock of the request path: wall time for decisions and records, a monotonic one for
// latencies. Injected, so tests fix "now".

export interface Clock {
  /** Wall time, ms since the epoch. */
  nowMs(): number;
  /** A monotonic time in ms, for durations. */
  monotonicMs(): number;
}

export const systemClock: Clock = { nowMs: Date.now, monotonicMs: () => performance.now() };

/** Unix seconds of a clock. */
export function unixSeconds(clock: Clock): number {
  return Math.floor(clock.nowMs() / 1000);
}
