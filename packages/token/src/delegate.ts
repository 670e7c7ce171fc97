// Appending a delegation link (typ aip-dlg+jwt): the current holder hands a narrower part of its
// authority to a subagent. Minting refuses anything a verifier would reject as widening.
import { didKeyFromId, type Identity, IdentityError } from '@aip/identity';
import type { LinkClaims, TokenClaims } from './claims.js';
import { readLinkClaims } from './claims.js';
import { TokenError } from './errors.js';
import { parseChain } from './lib/chain.js';
import { signSegment } from './lib/jws.js';
import { randomId } from './lib/random-id.js';
import { MAX_CHAIN_LINKS } from './limits.js';
import { isScopeSubset } from './scope.js';

/** The narrowed authority to hand over. */
export interface DelegateOptions {
  /** The delegate (preferably a `did:key`, so it can delegate further and sign proofs). */
  to: string;
  /** Must be covered by the current scope. */
  scope: readonly string[];
  /** Why (non-empty; recorded in the chain and the audit log). */
  context: string;
  /** At most the current budget; defaults to it. */
  budgetUsd?: number | null;
  /** Lifetime in seconds, capped at the parent's expiry. Defaults to the parent's remaining lifetime. */
  ttl?: number;
  /** Further links the delegate may add; defaults to (and must be below) the current max_depth. */
  maxDepth?: number;
  /** Unix seconds; defaults to the clock. */
  now?: number;
  /** Link id; random by default. */
  jti?: string;
}

/**
 * Returns `token` with one more link, signed by `holder`, who must be the current holder (the last
 * `sub`). Throws `TokenError`: `aip_holder_mismatch`, `aip_scope_insufficient` (widening),
 * `aip_budget_exceeded`, `aip_depth_exceeded`, `aip_token_expired`, `aip_token_malformed`.
 *
 * @example
 * ```ts
 * const sub = delegate(token, orchestrator, { to: scout.did, scope: ['tool:search'], budgetUsd: 1, context: 'research subtask' });
 * ```
 */
export function delegate(token: string, holder: Identity, options: DelegateOptions): string {
  if (typeof options.context !== 'string' || options.context.trim() === '')
    throw new TypeError('context must be a non-empty reason');
  const entries = parseChain(token);
  const parent = (entries[entries.length - 1] as (typeof entries)[number]).claims as TokenClaims | LinkClaims;
  const root = (entries[0] as (typeof entries)[number]).claims as TokenClaims;

  let holderDid: string;
  try {
    holderDid = didKeyFromId(parent.sub);
  } catch (err) {
    if (err instanceof IdentityError)
      throw new TokenError(
        'aip_holder_mismatch',
        'the current holder is not a self-certifying identity and cannot delegate',
      );
    throw err;
  }
  if (holderDid !== holder.did)
    throw new TokenError('aip_holder_mismatch', 'this identity is not the current holder of the token');

  const links = entries.length - 1;
  if (links + 1 > Math.min(root.max_depth, MAX_CHAIN_LINKS) || parent.max_depth === 0) {
    throw new TokenError('aip_depth_exceeded', 'the token allows no further delegation');
  }
  const maxDepth = options.maxDepth ?? parent.max_depth - 1;
  if (maxDepth >= parent.max_depth)
    throw new TokenError('aip_depth_exceeded', `max_depth must be below ${parent.max_depth}`);
  if (!isScopeSubset(parent.scope, options.scope))
    throw new TokenError('aip_scope_insufficient', 'the requested scope is wider than the current one');
  const budget = options.budgetUsd === undefined ? parent.budget_usd : options.budgetUsd;
  if (parent.budget_usd !== null && (budget === null || budget > parent.budget_usd)) {
    throw new TokenError('aip_budget_exceeded', `the budget cannot exceed the current ${parent.budget_usd}`);
  }
  const iat = Math.floor(options.now ?? Date.now() / 1000);
  if (parent.exp <= iat) throw new TokenError('aip_token_expired', 'the token has expired');
  if (options.ttl !== undefined && (!Number.isSafeInteger(options.ttl) || options.ttl <= 0))
    throw new RangeError('ttl must be a positive integer');
  const exp = Math.min(parent.exp, options.ttl === undefined ? parent.exp : iat + options.ttl);

  const payload: LinkClaims = {
    iss: parent.sub,
    sub: options.to,
    prev: (entries[entries.length - 1] as (typeof entries)[number]).id,
    scope: [...options.scope],
    budget_usd: budget,
    max_depth: maxDepth,
    iat,
    exp,
    jti: options.jti ?? randomId(),
    ctx: options.context,
  };
  readLinkClaims(payload as unknown as Record<string, unknown>, `link ${links + 1}`);
  return `${token}~${signSegment('aip-dlg+jwt', payload, holder)}`;
}
