// The time options every verification takes (Unix seconds, injected, bounded skew).

/** How far in the future an `iat` may lie before an object is refused (seconds). */
export const DEFAULT_CLOCK_SKEW = 300;

/**
 * Options of every verification: the time is injected, never read behind the caller's back.
 *
 * @example
 * ```ts
 * const options: ClockOptions = { now: 1_800_000_000, clockSkew: 60 };
 * verifyVouch(value, options);
 * ```
 */
export interface ClockOptions {
  /** Unix seconds; defaults to the system clock. */
  now?: number;
  /** Seconds an `iat` may lie in the future; default {@link DEFAULT_CLOCK_SKEW}. */
  clockSkew?: number;
}
