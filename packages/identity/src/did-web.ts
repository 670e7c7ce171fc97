// did:web issuers (DESIGN §11): a domain-anchored Ed25519 key, resolved through did-resolver and
// web-did-resolver (the document at https://<domain>/.well-known/did.json or .../<path>/did.json),
// kept in a bounded cache so a synchronous verifier can read it.
import type { Resolver } from 'did-resolver';
import { IdentityError } from './errors.js';
import { createDidResolver, publicKeyOfDocument, resolveDid } from './resolver.js';

/** Options of {@link createDidWebKeys}. */
export interface DidWebKeysOptions {
  /**
   * The resolver to use; default did-resolver with web-did-resolver (HTTPS through its own
   * `cross-fetch`, which takes no injected fetch: tests serve the document over local HTTPS).
   */
  resolver?: Resolver;
  /** How long a resolved key is used before it is fetched again, seconds. Default 300. */
  ttlSeconds?: number;
  /** How long a failure is remembered (no refetch storm from bad tokens), seconds. Default 30. */
  failureTtlSeconds?: number;
  /** Keys kept at most (the oldest go first). Default 1000. */
  maxEntries?: number;
  /** The clock, ms since the epoch (tests). */
  now?: () => number;
}

/** The keys of did:web issuers, resolved and cached. */
export interface DidWebKeys {
  /** The cached, unexpired key of `did`, or undefined: what a synchronous verifier reads. */
  keyOf(did: string): Uint8Array | undefined;
  /**
   * Resolves `did` (a fresh cached answer is reused). Throws `IdentityError`
   * `aip_identity_unresolvable` for anything but a `did:web` publishing one acceptable Ed25519 key.
   */
  resolve(did: string): Promise<Uint8Array>;
}

const DID_WEB = /^did:web:[A-Za-z0-9.%_-]+(?::[A-Za-z0-9.%_-]+)*$/;
const MAX_DID_WEB_LENGTH = 512;

let webResolver: Promise<Resolver> | undefined;
// web-did-resolver loads on the first did:web resolution, never at import.
function defaultResolver(): Promise<Resolver> {
  webResolver ??= import('web-did-resolver').then(({ getResolver }) => createDidResolver(getResolver()));
  return webResolver;
}

/**
 * A cache of did:web issuer keys. The key must pass the strict key policy (as every AIP key); a
 * document whose `id` is not the DID asked for is refused.
 *
 * @example
 * ```ts
 * const keys = createDidWebKeys();
 * await keys.resolve('did:web:issuer.example.com');
 * const verifier = createTokenVerifier({ issuerKeyOf: (iss) => keys.keyOf(iss), trustedKeys: [...] });
 * ```
 */
export function createDidWebKeys(options: DidWebKeysOptions = {}): DidWebKeys {
  const ttlMs = (options.ttlSeconds ?? 300) * 1000;
  const failureTtlMs = (options.failureTtlSeconds ?? 30) * 1000;
  const maxEntries = options.maxEntries ?? 1000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { until: number; key?: Uint8Array; error?: IdentityError }>();
  const inFlight = new Map<string, Promise<Uint8Array>>();

  const remember = (did: string, entry: { until: number; key?: Uint8Array; error?: IdentityError }) => {
    cache.delete(did);
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
    cache.set(did, entry);
  };

  async function fetchKey(did: string): Promise<Uint8Array> {
    const result = await resolveDid(did, options.resolver ?? (await defaultResolver()));
    const document = result.didDocument;
    if (result.didResolutionMetadata.error !== undefined || document === null) {
      throw new IdentityError('aip_identity_unresolvable', 'the DID document could not be fetched');
    }
    if (document.id !== did) throw new IdentityError('aip_identity_unresolvable', 'the DID document names another DID');
    try {
      return publicKeyOfDocument(document);
    } catch (err) {
      // A key the strict policy refuses (aip_key_invalid) makes the issuer unresolvable here.
      if (err instanceof IdentityError)
        throw new IdentityError('aip_identity_unresolvable', err.message, { cause: err });
      throw err;
    }
  }

  return {
    keyOf(did) {
      const entry = cache.get(did);
      return entry !== undefined && entry.until > now() ? entry.key : undefined;
    },
    async resolve(did) {
      if (typeof did !== 'string' || did.length > MAX_DID_WEB_LENGTH || !DID_WEB.test(did)) {
        throw new IdentityError('aip_identity_unresolvable', 'not a did:web identifier');
      }
      const entry = cache.get(did);
      if (entry !== undefined && entry.until > now()) {
        if (entry.key !== undefined) return entry.key;
        throw entry.error as IdentityError;
      }
      let pending = inFlight.get(did);
      if (pending === undefined) {
        pending = fetchKey(did).then(
          (key) => {
            remember(did, { until: now() + ttlMs, key });
            return key;
          },
          (err: unknown) => {
            const error =
              err instanceof IdentityError
                ? err
                : new IdentityError('aip_identity_unresolvable', 'the DID document could not be fetched');
            remember(did, { until: now() + failureTtlMs, error });
            throw error;
          },
        );
        inFlight.set(did, pending);
        void pending.finally(() => inFlight.delete(did)).catch(() => undefined);
      }
      return pending;
    },
  };
}
