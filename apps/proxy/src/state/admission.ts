// Work in flight, bounded per grant before it is spent (DESIGN §5): requests (streams included)
// and open GET streams per grant, and open streams in all. A refused caller holds nothing.
import type { ProxyConfig } from '../config/sections.js';

/** Releases what {@link Admission.enter} took; safe to call more than once. */
export type Release = () => void;

export interface Admission {
  /** A slot for one request (and, for a stream, a stream slot), or why not. */
  enter(grant: string, stream: boolean): Release | string;
  /** Requests and streams in flight (diagnostics, tests). */
  inFlight(): { requests: number; streams: number };
}

/**
 * Admission for one proxy process; `limits` is read on every call, so a reload applies at once.
 *
 * @example
 * ```ts
 * const admission = createAdmission(() => ({ ...config.rate_limit, total_streams: config.proxy.max_streams }));
 * const release = admission.enter(principal.grant, false);
 * ```
 */
export function createAdmission(
  limits: () => Pick<ProxyConfig['rate_limit'], 'max_concurrent' | 'max_streams'> & { total_streams: number },
): Admission {
  const requests = new Map<string, number>();
  const streams = new Map<string, number>();
  let totalRequests = 0;
  let totalStreams = 0;
  const bump = (map: Map<string, number>, key: string, delta: number) => {
    const n = (map.get(key) ?? 0) + delta;
    if (n <= 0) map.delete(key);
    else map.set(key, n);
  };
  return {
    enter(grant, stream) {
      const l = limits();
      if ((requests.get(grant) ?? 0) >= l.max_concurrent) return 'too many requests in flight for this principal';
      if (stream) {
        if ((streams.get(grant) ?? 0) >= l.max_streams) return 'too many open streams for this principal';
        if (totalStreams >= l.total_streams) return 'too many open streams';
        bump(streams, grant, 1);
        totalStreams++;
      }
      bump(requests, grant, 1);
      totalRequests++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        bump(requests, grant, -1);
        totalRequests--;
        if (stream) {
          bump(streams, grant, -1);
          totalStreams--;
        }
      };
    },
    inFlight: () => ({ requests: totalRequests, streams: totalStreams }),
  };
}
