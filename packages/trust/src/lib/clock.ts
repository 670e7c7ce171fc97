// Time checks shared by every signed trust object: Unix seconds, injected `now`, bounded skew.
import { type ClockOptions, DEFAULT_CLOCK_SKEW } from '../clock-options.js';
import { TrustError } from '../errors.js';

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
