// Work in flight, bounded per grant before it is spent (DESIGN §5): requests (streams included)
// per grant; open streams (a GET stream, a subscriptions/listen) per grant and in all. A refused
// caller holds nothing.
import type { ProxyConfig } from '../config/sections.js';

/** Releases what was taken; safe to call more than once. */
export type Release = () => void;

export interface Admission {
  /** A slot for one request, or why not. */
  enter(grant: string): Release | string;
  /** A stream slot (on top of the request's own slot), or why not. */
  enterStream(grant: string): Release | string;
  /** Requests and streams in flight (diagnostics, tests). */
  inFlight(): { requests: number; streams: number };
}

/** What admission bounds: in-flight requests and streams per grant, and streams in all. */
export type AdmissionLimits = Pick<ProxyConfig['rate_limit'], 'max_concurrent' | 'max_streams'> & {
  total_streams: number;
};

/**
 * Admission for one proxy process; `limits` is read on every call, so a reload applies at once.
 *
 * @example
 * ```ts
 * const admission = createAdmission(() => ({ ...config.rate_limit, total_streams: config.proxy.max_streams }));
 * const release = admission.enter(principal.grant);
 * ```
 */
export function createAdmission(limits: () => AdmissionLimits): Admission {
  const requests = new Map<string, number>();
  const streams = new Map<string, number>();
  let totalRequests = 0;
  let totalStreams = 0;
  const bump = (map: Map<string, number>, key: string, delta: number) => {
    const n = (map.get(key) ?? 0) + delta;
    if (n <= 0) map.delete(key);
    else map.set(key, n);
  };
  const once = (release: () => void): Release => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
    };
  };
  return {
    enter(grant) {
      if ((requests.get(grant) ?? 0) >= limits().max_concurrent)
        return 'too many requests in flight for this principal';
      bump(requests, grant, 1);
      totalRequests++;
      return once(() => {
        bump(requests, grant, -1);
        totalRequests--;
      });
    },
    enterStream(grant) {
      const l = limits();
      if ((streams.get(grant) ?? 0) >= l.max_streams) return 'too many open streams for this principal';
      if (totalStreams >= l.total_streams) return 'too many open streams';
      bump(streams, grant, 1);
      totalStreams++;
      return once(() => {
        bump(streams, grant, -1);
        totalStreams--;
      });
    },
    inFlight: () => ({ requests: totalRequests, streams: totalStreams }),
  };
}
