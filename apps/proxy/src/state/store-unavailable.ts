// A shared store (Redis, PostgreSQL) that could not answer: the request that needed it is refused
// 503 `aip_stores_unavailable` (fail closed), never let through unchecked. The message names the
// store and the kind of failure, never its URL or credentials.

/** Which shared store failed. */
export type SharedStore = 'redis' | 'postgres';

/** Thrown by a shared store that cannot be reached or did not answer. */
export class StoreUnavailableError extends Error {
  readonly store: SharedStore;

  constructor(store: SharedStore, what: string, options?: { cause?: unknown }) {
    super(`${store === 'redis' ? 'Redis' : 'PostgreSQL'} unavailable: ${what}`, options);
    this.name = 'StoreUnavailableError';
    this.store = store;
  }
}

/**
 * The failure's kind, safe for a message: a Node error code (`ECONNREFUSED`) or its class, never
 * a driver's text (which can quote a URL or a query).
 *
 * @example
 * ```ts
 * throw new StoreUnavailableError('redis', describeFailure(err), { cause: err });
 * ```
 */
export function describeFailure(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code)) return code;
  if (err instanceof Error && /^[A-Za-z]{1,40}$/.test(err.name)) return err.name;
  return 'no answer';
}
