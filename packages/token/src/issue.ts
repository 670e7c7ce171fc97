// Minting root compact tokens (typ aip+jwt), claim for claim as the Python reference writes them.
import type { Identity } from '@aip/identity';
import { readTokenClaims } from './claims.js';
import { TokenError } from './errors.js';
import { signSegment } from './lib/jws.js';
import { randomId } from './lib/random-id.js';

/** What to put in a new token. */
export interface IssueOptions {
  /** The holder: who may use (and, with `maxDepth`, delegate) this authority. */
  sub: string;
  scope: readonly string[];
  /** Lifetime in seconds. Default 3600. */
  ttl?: number;
  /** Budget ceiling in USD; `null`/absent means none. */
  budgetUsd?: number | null;
  /** How many delegation links may follow. Default 0. */
  maxDepth?: number;
  /** The resource(s) the token is for. */
  aud?: string | readonly string[];
  /** Token id; a random 128-bit id by default, `null` to leave it out. */
  jti?: string | null;
  /** Not-before time (Unix seconds). */
  nbf?: number;
  /** Issue time (Unix seconds); defaults to the clock. */
  now?: number;
  /** Name the issuer by its `did:key` (default) or its `aip:key` (the reference's form). */
  issuerForm?: 'did' | 'aip';
  /**
   * Name the issuer by a domain-anchored `did:web` whose document publishes this identity's key
   * (verifiers resolve it: `issuerKeyOf`); instead of `issuerForm`.
   */
  issuerDid?: string;
}

const DID_WEB = /^did:web:[A-Za-z0-9.%_-]+(?::[A-Za-z0-9.%_-]+)*$/;

/**
 * Issues a root token signed by `issuer`. The claims are validated exactly as a verifier will
 * (throws `TokenError` `aip_token_malformed` for bad input).
 *
 * @example
 * ```ts
 * const token = issueToken(orchestrator, { sub: worker.did, scope: ['tool:search'], ttl: 600, maxDepth: 1 });
 * ```
 */
export function issueToken(issuer: Identity, options: IssueOptions): string {
  const iat = Math.floor(options.now ?? Date.now() / 1000);
  const ttl = options.ttl ?? 3600;
  if (!Number.isSafeInteger(ttl) || ttl <= 0) throw new RangeError('ttl must be a positive integer number of seconds');
  // Key order follows the reference: iss, sub, scope, budget_usd, max_depth, iat, exp.
  if (options.issuerDid !== undefined && (options.issuerDid.length > 512 || !DID_WEB.test(options.issuerDid)))
    throw new TokenError('aip_token_malformed', 'issuerDid must be a did:web identifier');
  const payload: Record<string, unknown> = {
    iss: options.issuerDid ?? (options.issuerForm === 'aip' ? issuer.aipId : issuer.did),
    sub: options.sub,
    scope: [...options.scope],
    budget_usd: options.budgetUsd ?? null,
    max_depth: options.maxDepth ?? 0,
    iat,
    exp: iat + ttl,
  };
  if (options.aud !== undefined) payload.aud = typeof options.aud === 'string' ? options.aud : [...options.aud];
  if (options.nbf !== undefined) payload.nbf = options.nbf;
  const jti = options.jti === undefined ? randomId() : options.jti;
  if (jti !== null) payload.jti = jti;
  readTokenClaims(payload); // refuse to sign what a verifier would reject
  return signSegment('aip+jwt', payload, issuer);
}
