// Who is calling, once authenticated: an AIP token's final holder (with its chain) or an OAuth
// client, reduced to what authorization, budgets, limits and the audit need.
import { publicKeyFromId } from '@aip/identity';
import type { AuditWarning, VerifiedLink, VerifiedToken } from '@aip/token';

export interface Principal {
  readonly kind: 'aip' | 'oauth';
  /** Root issuer (AIP) or authorization server (OAuth). */
  readonly issuer: string;
  /** The final holder (AIP) or the token's `sub` (OAuth). */
  readonly subject: string;
  /**
   * What limits are counted against: the root token (its segment id) with every delegation made
   * from it — delegates share their grant's limits as they share its budget — or the OAuth subject.
   */
  readonly grant: string;
  readonly scope: readonly string[];
  /** The OAuth scopes the access token granted (OAuth principals), for a step-up challenge. */
  readonly oauthScope?: readonly string[];
  /** The verified delegation chain, root first (empty for OAuth). */
  readonly chain: readonly VerifiedLink[];
  /** The holder's key, to check proofs of possession (AIP, self-certifying subjects). */
  readonly subjectKey: Uint8Array | undefined;
  readonly warnings: readonly AuditWarning[];
}

// A verifier hands back the same frozen result for a token it verified before: so is its principal.
const principals = new WeakMap<VerifiedToken, Principal>();

export function principalOf(verified: VerifiedToken): Principal {
  let principal = principals.get(verified);
  if (principal === undefined) {
    principal = Object.freeze({
      kind: 'aip',
      issuer: verified.issuer,
      subject: verified.subject,
      grant: verified.chain[0]?.id ?? verified.subject,
      scope: verified.scope,
      chain: verified.chain,
      subjectKey: verified.subjectKey,
      warnings: verified.warnings,
    });
    principals.set(verified, principal);
  }
  return principal;
}

// Decoding a key id checks the point (a fraction of a millisecond): the few ids a proxy meets —
// its agent, the delegators calling it — are decoded once.
const KEYS_CACHED = 4096;
const keys = new Map<string, Uint8Array | null>();

function keyOf(id: string): Uint8Array | undefined {
  let key = keys.get(id);
  if (key === undefined) {
    try {
      key = publicKeyFromId(id);
    } catch {
      key = null;
    }
    if (keys.size >= KEYS_CACHED) keys.delete(keys.keys().next().value as string);
    keys.set(id, key);
  }
  return key ?? undefined;
}

function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/**
 * The caller of an A2A agent, from a chain delegated to that agent: whoever delegated its last
 * segment (the chain's last issuer) is calling, with the slice it handed the agent; proofs are its
 * to sign. `undefined` when the chain is delegated to someone else.
 *
 * @example
 * ```ts
 * const caller = a2aPrincipalOf(verified, 'did:key:z6MkAgent...'); // subject: the orchestrator
 * ```
 */
export function a2aPrincipalOf(verified: VerifiedToken, agent: string): Principal | undefined {
  const agentKey = keyOf(agent);
  const last = verified.chain.at(-1);
  if (agentKey === undefined || verified.subjectKey === undefined || last === undefined) return undefined;
  if (!sameKey(verified.subjectKey, agentKey)) return undefined;
  return { ...principalOf(verified), subject: last.iss, subjectKey: keyOf(last.iss) };
}

// A principal's chain as a binding key, built once per principal.
const credentialKeys = new WeakMap<Principal, string>();

/**
 * What sessions, tasks and stream ids are bound to. The final holder's DID is an identity only when
 * the request proved possession of its key: without a proof, anyone holding a token able to
 * delegate can name any subject in a link of its own, so the binding is the exact credential
 * (the chain's segment ids) instead. An OAuth subject is asserted by the authorization server.
 *
 * @example
 * ```ts
 * principalKey(principal, ctx.proof !== undefined);
 * ```
 */
export function principalKey(principal: Principal, proven: boolean): string {
  if (principal.kind === 'oauth' || proven) return `${principal.kind} ${principal.issuer} ${principal.subject}`;
  let key = credentialKeys.get(principal);
  if (key === undefined) {
    key = `${principal.kind} ${principal.issuer} chain ${principal.chain.map((link) => link.id).join('.')}`;
    credentialKeys.set(principal, key);
  }
  return key;
}
