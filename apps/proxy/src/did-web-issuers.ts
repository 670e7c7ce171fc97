// Root issuers anchored in a domain (`proxy.trust_did_web`, DESIGN §11): each configured did:web
// key resolved over HTTPS by @aip/identity (web-did-resolver, a strict key check, a cache), kept
// warm by a background refresh so token verification stays synchronous. Only the configured DIDs
// are ever resolved or trusted: a token naming another did:web issuer is untrusted, not fetched.
import { createDidWebKeys, type DidWebKeys, type DidWebKeysOptions } from '@aip/identity';
import type { ProxyLogger } from './logger.js';

/** The did:web issuers a policy trusts. */
export interface DidWebIssuers {
  /** The DIDs configured (what `trust_did_web` listed). */
  readonly dids: readonly string[];
  /** The resolved key of `issuer` when it is a configured did:web issuer, else undefined. */
  keyOf(issuer: string): Uint8Array | undefined;
  /** Resolves every configured DID now (a fresh cached key is reused); failures are logged, not thrown. */
  refresh(): Promise<void>;
  /** Stops the background refresh. */
  close(): void;
}

// Keys are used five minutes (the resolver's cache); they are fetched again well before that.
const REFRESH_MS = 60_000;

/**
 * Trusts `dids`, resolving them at once and every minute.
 *
 * @example
 * ```ts
 * const issuers = openDidWebIssuers(['did:web:issuer.example.com']);
 * createTokenVerifier({ issuerKeyOf: (iss) => issuers.keyOf(iss) });
 * ```
 */
export function openDidWebIssuers(
  dids: readonly string[],
  options: { logger?: ProxyLogger; keys?: DidWebKeysOptions } = {},
): DidWebIssuers {
  const configured = new Set(dids);
  const keys: DidWebKeys = createDidWebKeys({ ttlSeconds: 300, failureTtlSeconds: 30, ...options.keys });
  const refresh = async () => {
    await Promise.all(
      [...configured].map((did) =>
        keys.resolve(did).then(
          () => undefined,
          (err: Error) => options.logger?.warn('did:web issuer unresolved', { did, reason: err.message }),
        ),
      ),
    );
  };
  void refresh();
  const timer = setInterval(() => void refresh(), REFRESH_MS);
  timer.unref();
  return {
    dids: [...configured],
    keyOf(issuer) {
      if (!configured.has(issuer)) return undefined;
      const key = keys.keyOf(issuer);
      // Expired or never fetched: ask again in the background (failures are remembered 30 s, so a
      // stream of tokens never becomes a stream of fetches).
      if (key === undefined) keys.resolve(issuer).catch(() => undefined);
      return key;
    },
    refresh,
    close() {
      clearInterval(timer);
    },
  };
}
