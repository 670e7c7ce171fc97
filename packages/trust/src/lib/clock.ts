// Time checks shared by every signed trust object: Unix seconds, injected `now`, bounded skew.
import { TrustError } from '../errors.js';

/** How far in the future an `iat` may lie before an object is refused (seconds). */
export const DEFAULT_CLOCK_SKEW = 300;

/** Options of every verification: the time is injected, never read behind the caller's back. */
export interface ClockOptions {
  /** Unix seconds; defaults to the system clock. */
  now?: number;
  /** Seconds an `iat` may lie in the future; default {@link DEFAULT_CLOCK_SKEW}. */
  clockSkew?: number;
}

export function currentTime(options: ClockOptions): number {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (!Number.isFinite(now)) throw new TypeError('now must be a finite number of Unix seconds');
  return now;
}

export function assertIssued(iat: number, now: number, options: ClockOptions, what: string): void {
  const skew = options.clockSkew ?? DEFAULT_CLOCK_SKEW;
  if (iat > now + skew) {
    throw new TrustError('aip_object_not_yet_valid', `${what} is issued in the future (iat ${iat}, now ${now})`);
  }
}
