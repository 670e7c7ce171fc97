// Token and chain verification (DESIGN §3): structure, issuer trust, signatures (cached per
// segment), the attenuation walk, audience and the operation's scopes, in that order, so the same
// bad token always gets the same code.
import {
  didKeyFromPublicKey,
  IdentityError,
  isSelfCertifyingId,
  type KeyEventState,
  publicKeyFromId,
  verify as verifySignature,
} from '@aip/identity';
import { type AuditPolicy, type AuditWarning, auditChain } from './audit.js';
import type { LinkClaims, TokenClaims } from './claims.js';
import { TokenError } from './errors.js';
import { BoundedMap } from './lib/bounded-map.js';
import { type ChainEntry, parseEntry, segmentName, splitToken } from './lib/chain.js';
import { signingBytes } from './lib/jws.js';
import { DEFAULT_CLOCK_TOLERANCE } from './limits.js';
import { isScopeSubset, scopeAllows } from './scope.js';

/** What a revocation check is asked about, once per segment of a verified chain. */
export interface RevocationQuery {
  /** The segment id (base64url SHA-256 of its bytes). */
  id: string;
  jti: string | undefined;
  /** Who signed this segment (the root issuer, or the holder that delegated). */
  signer: string;
  subject: string;
}

/** Configuration of a {@link TokenVerifier}; at least one way of trusting issuers is required. */
export interface TokenVerifierOptions {
  /** Root issuer keys trusted outright, in any form: `did:key`, `aip:key`, `z...` (raw or multicodec). */
  trustedKeys?: Iterable<string>;
  /** Decides on root issuers not in `trustedKeys` (e.g. from a trust graph). Must be fast and synchronous. */
  trustIssuer?: (issuer: string, publicKey: Uint8Array) => boolean;
  /** Keys of issuers that are not self-certifying, by issuer id (configuration implies trust). */
  issuerKeys?: Record<string, string>;
  /**
   * The key of an issuer that is not self-certifying and not in `issuerKeys`, looked up on every
   * call (e.g. `keyOf` of `createDidWebKeys` in `@aip/identity`, for did:web issuers the caller
   * resolved). Like `issuerKeys`, a key returned means the issuer is trusted: return keys only for
   * issuers you chose. Must be fast and synchronous.
   */
  issuerKeyOf?: (issuer: string) => Uint8Array | undefined;
  /** This resource's identifier; a token with `aud` must name it. */
  audience?: string;
  /** Also reject tokens without `aud`. */
  requireAudience?: boolean;
  /** Seconds `iat`/`nbf` may lie in the future. Default 30. */
  clockTolerance?: number;
  /** True when a segment (or its signer) is revoked. */
  isRevoked?: (query: RevocationQuery) => boolean;
  /**
   * The key-event state (`computeKeyState` of `@aip/identity`), or a function returning the current
   * one (read on every call, so a reload applies without a new verifier). A segment signed by a
   * revoked key, or by a key rotated away at or before the segment's `iat`, is `aip_key_revoked`.
   */
  keyState?: KeyEventState | (() => KeyEventState | undefined);
  /** Audit thresholds and enforcement. */
  audit?: AuditPolicy;
  /** Verified segments kept (by their exact bytes) so a chain seen again costs no signature check. Default 10 000. */
  cacheSize?: number;
}

/** Per-call options of {@link TokenVerifier.verify}. */
export interface VerifyOptions {
  /** "Now" in Unix seconds (tests, `--at`). Defaults to the clock. */
  now?: number;
  /** The operation's required scope(s): each must be allowed by the final scope. */
  scope?: string | readonly string[];
  /** Overrides the verifier's audience for this call. */
  audience?: string;
}

/** One verified segment of the chain, root first. */
export interface VerifiedLink {
  readonly id: string;
  readonly iss: string;
  readonly sub: string;
  readonly scope: readonly string[];
  readonly budget_usd: number | null;
  readonly max_depth: number;
  readonly iat: number;
  readonly exp: number;
  readonly jti?: string;
  readonly ctx?: string;
}

/**
 * A verified token: the effective authority of its final holder. Frozen: a verifier hands the same
 * object back for the same token while it keeps verifying.
 */
export interface VerifiedToken {
  /** The root issuer. */
  readonly issuer: string;
  /** The final holder (the last `sub`). */
  readonly subject: string;
  /**
   * The final holder's public key when `subject` is self-certifying (to check its proofs). The same
   * bytes for every call that gets this result: read them, never write them.
   */
  readonly subjectKey: Uint8Array | undefined;
  readonly scope: readonly string[];
  readonly budgetUsd: number | null;
  /** Delegation links the final holder may still add. */
  readonly maxDepth: number;
  readonly expiresAt: number;
  readonly audience: readonly string[] | undefined;
  readonly chain: readonly VerifiedLink[];
  readonly warnings: readonly AuditWarning[];
}

/** Counters of a verifier, for metrics and tests. */
export interface VerifierStats {
  /** Ed25519 signature checks performed. */
  signatureChecks: number;
  /** Segments whose signature was skipped because the same bytes were verified before. */
  cacheHits: number;
}

/** A reusable verifier holding its trust configuration and caches. */
export interface TokenVerifier {
  /** Verifies `token` (a compact token, optionally followed by `~`-joined links). Throws `TokenError`. */
  verify(token: string, options?: VerifyOptions): VerifiedToken;
  stats(): VerifierStats;
}

type KeyAndTag = { key: Uint8Array; tag: string };
type KeyResult = KeyAndTag | TokenError;

function keyTag(key: Uint8Array): string {
  return String.fromCharCode.apply(null, key as unknown as number[]);
}

/**
 * Creates a verifier. Issuer keys come from the issuer id itself (`did:key`, `aip:key`) or from
 * `issuerKeys`; a trusted key list never gets searched for a key that happens to verify.
 *
 * @example
 * ```ts
 * const verifier = createTokenVerifier({ trustedKeys: ['did:key:z6Mk...'], audience: 'did:key:z6MkServer' });
 * const { subject, scope } = verifier.verify(token, { scope: 'tool:search' });
 * ```
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const trusted = new Set<string>();
  for (const id of options.trustedKeys ?? []) trusted.add(keyTag(publicKeyFromId(id)));
  const mapped = new Map<string, KeyResult>();
  for (const [issuer, id] of Object.entries(options.issuerKeys ?? {})) {
    const key = publicKeyFromId(id);
    mapped.set(issuer, { key, tag: keyTag(key) });
  }
  if (
    trusted.size === 0 &&
    mapped.size === 0 &&
    options.trustIssuer === undefined &&
    options.issuerKeyOf === undefined
  ) {
    throw new TypeError('a token verifier needs trustedKeys, issuerKeys, issuerKeyOf or trustIssuer');
  }
  const tolerance = options.clockTolerance ?? DEFAULT_CLOCK_TOLERANCE;
  const segments = new BoundedMap<string, ChainEntry & { verifiedBy: string }>(options.cacheSize ?? 10_000);
  const selfCertified = new BoundedMap<string, KeyResult>(4096);
  // Whole tokens that verified, by their exact text: what they grant, and the root key that signed.
  const tokens = new BoundedMap<string, { entries: readonly ChainEntry[]; rootTag: string; result: VerifiedToken }>(
    Math.min(options.cacheSize ?? 10_000, 4096),
  );
  const counters: VerifierStats = { signatureChecks: 0, cacheHits: 0 };

  // The key of a self-certifying id, decoded once; failures are cached too (same answer every time).
  function keyOfId(id: string): KeyResult {
    let result = selfCertified.get(id);
    if (result === undefined) {
      try {
        const key = publicKeyFromId(id);
        result = { key, tag: keyTag(key) };
      } catch (err) {
        if (!(err instanceof IdentityError)) throw err;
        result = new TokenError('aip_identity_unresolvable', `cannot resolve ${id.slice(0, 80)} to an Ed25519 key`);
      }
      selfCertified.set(id, result);
    }
    return result;
  }

  function rootKey(issuer: string): { key: Uint8Array; tag: string } {
    const configured = mapped.get(issuer) ?? dynamicKey(issuer);
    if (configured !== undefined) return configured as { key: Uint8Array; tag: string };
    if (!isSelfCertifyingId(issuer)) {
      throw new TokenError('aip_identity_unresolvable', 'issuer is not self-certifying and has no configured key', {
        link: 0,
      });
    }
    const result = keyOfId(issuer);
    if (result instanceof TokenError) throw new TokenError(result.code, result.message, { link: 0 });
    if (!trusted.has(result.tag) && !(options.trustIssuer?.(issuer, result.key) ?? false)) {
      throw new TokenError('aip_issuer_untrusted', 'issuer is not trusted', { link: 0 });
    }
    return result;
  }

  function holderKey(holder: string, index: number): { key: Uint8Array; tag: string } {
    if (!isSelfCertifyingId(holder)) {
      throw new TokenError(
        'aip_identity_unresolvable',
        `${segmentName(index)}: the previous holder is not self-certifying and cannot delegate`,
        { link: index },
      );
    }
    const result = keyOfId(holder);
    if (result instanceof TokenError) throw new TokenError(result.code, result.message, { link: index });
    return result;
  }

  // A key from issuerKeyOf, for an issuer that names none itself.
  function dynamicKey(issuer: string): { key: Uint8Array; tag: string } | undefined {
    if (options.issuerKeyOf === undefined || isSelfCertifyingId(issuer)) return undefined;
    const key = options.issuerKeyOf(issuer);
    return key instanceof Uint8Array && key.length === 32 ? { key, tag: keyTag(key) } : undefined;
  }

  // The did:key of a segment's signer, when it can be known without trust (undefined otherwise: the
  // steps that need the key say why it cannot be had).
  function signerDid(id: string, index: number): string | undefined {
    if (id.startsWith('did:key:')) return id;
    const configured = index === 0 ? (mapped.get(id) ?? dynamicKey(id)) : undefined;
    const key = configured ?? (isSelfCertifyingId(id) ? keyOfId(id) : undefined);
    return key === undefined || key instanceof TokenError ? undefined : didKeyFromPublicKey(key.key);
  }

  // 2a. Key events, a lookup per segment before any trust or signature work: no segment signed by
  // a revoked key, or by a key rotated away at or before the segment's iat. (A forged token naming
  // a revoked key is refused as revoked: the revocation is public, the verdict the same.)
  function checkKeyEvents(entries: readonly ChainEntry[]): void {
    const keyState = typeof options.keyState === 'function' ? options.keyState() : options.keyState;
    if (keyState === undefined) return;
    for (let i = 0; i < entries.length; i++) {
      const claims = (entries[i] as ChainEntry).claims;
      const signer = signerDid(claims.iss, i);
      const refusal = signer === undefined ? undefined : keyState.refusal(signer, claims.iat);
      if (refusal !== undefined) {
        const reason =
          refusal === 'revoked' ? 'is signed by a revoked key' : 'is signed by a key rotated away before it was issued';
        throw new TokenError('aip_key_revoked', `${segmentName(i)} ${reason}`, { link: i });
      }
    }
  }

  // 3. Signatures: each segment by the key of whoever held the authority before it.
  function checkSignatures(entries: readonly (ChainEntry & { verifiedBy?: string })[], issuerKey: KeyAndTag): void {
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as ChainEntry & { verifiedBy?: string };
      let signer = issuerKey;
      if (i > 0) {
        const parent = entries[i - 1] as ChainEntry;
        const link = entry.claims as LinkClaims;
        if (link.iss !== parent.claims.sub)
          throw new TokenError('aip_signature_invalid', `${segmentName(i)} is not issued by the previous holder`, {
            link: i,
          });
        if (link.prev !== parent.id)
          throw new TokenError(
            'aip_signature_invalid',
            `${segmentName(i)} does not follow the segment before it (prev mismatch)`,
            { link: i },
          );
        signer = holderKey(parent.claims.sub, i);
      }
      if (entry.verifiedBy === signer.tag) {
        counters.cacheHits++;
      } else {
        counters.signatureChecks++;
        if (!verifySignature(entry.segment.signature, signingBytes(entry.segment), signer.key)) {
          throw new TokenError('aip_signature_invalid', `${segmentName(i)} signature does not verify`, { link: i });
        }
        segments.set(cacheKey(entry.segment.raw, i), { ...entry, verifiedBy: signer.tag });
      }
    }
  }

  // 4. Revocation of any segment or signer.
  function checkRevocation(entries: readonly ChainEntry[]): void {
    if (options.isRevoked === undefined) return;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as ChainEntry;
      const query: RevocationQuery = {
        id: entry.id,
        jti: entry.claims.jti,
        signer: entry.claims.iss,
        subject: entry.claims.sub,
      };
      if (options.isRevoked(query))
        throw new TokenError('aip_key_revoked', `${segmentName(i)} is revoked`, { link: i });
    }
  }

  // 5. Time: every segment current.
  function checkTime(entries: readonly ChainEntry[], now: number): void {
    for (let i = 0; i < entries.length; i++) {
      const c = (entries[i] as ChainEntry).claims;
      if (c.exp <= now) throw new TokenError('aip_token_expired', `${segmentName(i)} expired`, { link: i });
      if (c.iat > now + tolerance)
        throw new TokenError('aip_token_expired', `${segmentName(i)} is issued in the future`, { link: i });
      const nbf = (c as TokenClaims).nbf;
      if (nbf !== undefined && nbf > now + tolerance)
        throw new TokenError('aip_token_expired', `${segmentName(i)} is not valid yet`, { link: i });
    }
  }

  // 6. Attenuation walk: every link at most its parent's authority.
  function checkAttenuation(entries: readonly ChainEntry[]): void {
    const rootClaims = (entries[0] as ChainEntry).claims as TokenClaims;
    if (entries.length - 1 > rootClaims.max_depth) {
      // The first link past what the root allows is the one at fault.
      throw new TokenError(
        'aip_depth_exceeded',
        `chain has ${entries.length - 1} links; the root allows ${rootClaims.max_depth}`,
        { link: rootClaims.max_depth + 1 },
      );
    }
    for (let i = 1; i < entries.length; i++) {
      const parent = (entries[i - 1] as ChainEntry).claims;
      const link = (entries[i] as ChainEntry).claims as LinkClaims;
      const name = segmentName(i);
      if (!isScopeSubset(parent.scope, link.scope))
        throw new TokenError('aip_scope_insufficient', `${name} widens the scope of its parent`, { link: i });
      if (parent.budget_usd !== null && (link.budget_usd === null || link.budget_usd > parent.budget_usd)) {
        throw new TokenError('aip_budget_exceeded', `${name} raises the budget of its parent`, { link: i });
      }
      if (link.exp > parent.exp) throw new TokenError('aip_token_expired', `${name} outlives its parent`, { link: i });
      if (link.max_depth >= parent.max_depth)
        throw new TokenError('aip_depth_exceeded', `${name} does not lower max_depth`, { link: i });
    }
  }

  // 7. Audience, and 8. the operation.
  function checkUse(
    aud: readonly string[] | undefined,
    scope: readonly string[],
    links: number,
    call: VerifyOptions,
  ): void {
    const audience = call.audience ?? options.audience;
    if (audience !== undefined) {
      if (aud === undefined ? options.requireAudience === true : !aud.includes(audience)) {
        throw new TokenError('aip_audience_mismatch', 'token is not intended for this resource', { link: 0 });
      }
    }
    const required = call.scope === undefined ? [] : typeof call.scope === 'string' ? [call.scope] : call.scope;
    for (const wanted of required) {
      if (!scopeAllows(scope, wanted))
        throw new TokenError('aip_scope_insufficient', `token does not allow ${wanted.slice(0, 200)}`, {
          link: links - 1,
        });
    }
  }

  // The audience a root token names, as a list.
  function audienceOf(entries: readonly ChainEntry[]): string[] | undefined {
    const aud = ((entries[0] as ChainEntry).claims as TokenClaims).aud;
    return aud === undefined ? undefined : typeof aud === 'string' ? [aud] : aud;
  }

  // What a chain grants, frozen (the same object is handed back while the chain keeps verifying);
  // 9. its audit (an enforced warning refuses it).
  function resultOf(entries: readonly ChainEntry[], aud: string[] | undefined): VerifiedToken {
    const rootClaims = (entries[0] as ChainEntry).claims as TokenClaims;
    const last = (entries[entries.length - 1] as ChainEntry).claims;
    const warnings = auditChain(
      entries.map((e) => e.claims),
      options.audit,
    );
    const subjectKey = isSelfCertifyingId(last.sub) ? keyOfId(last.sub) : undefined;
    return Object.freeze({
      issuer: rootClaims.iss,
      subject: last.sub,
      // A copy: the verifier's own key cache is never handed out (a Uint8Array cannot be frozen).
      subjectKey: subjectKey === undefined || subjectKey instanceof TokenError ? undefined : subjectKey.key.slice(),
      scope: Object.freeze([...last.scope]),
      budgetUsd: last.budget_usd,
      maxDepth: last.max_depth,
      expiresAt: last.exp,
      audience: aud === undefined ? undefined : Object.freeze([...aud]),
      chain: Object.freeze(entries.map((e) => toVerifiedLink(e))),
      warnings: Object.freeze(warnings.map((w) => Object.freeze(w))),
    });
  }

  return {
    stats: () => ({ ...counters }),
    verify(token, call = {}) {
      const now = call.now ?? Math.floor(Date.now() / 1000);
      // A token verified before is checked again for everything that can change — key events,
      // issuer trust (and its key), revocation, time, audience, the operation — in the same
      // order; what cannot (structure, signatures, attenuation, audit) is not redone.
      const known = tokens.get(token);
      if (known !== undefined) {
        checkKeyEvents(known.entries);
        const issuerKey = rootKey((known.entries[0] as ChainEntry).claims.iss);
        if (issuerKey.tag === known.rootTag) {
          counters.cacheHits += known.entries.length;
          checkRevocation(known.entries);
          checkTime(known.entries, now);
          const { result } = known;
          checkUse(result.audience, result.scope, result.chain.length, call);
          return result;
        }
      }

      // 1. Structure: sizes and counts, then every segment parsed (or found already verified).
      const raws = splitToken(token);
      // The cache is keyed by position kind as well as bytes: a segment verified as a link must
      // never be taken for a root token (their claims and typ differ), and vice versa.
      const entries = raws.map((raw, i) => segments.get(cacheKey(raw, i)) ?? parseEntry(raw, i));
      checkKeyEvents(entries);
      // 2. Issuer trust.
      const issuerKey = rootKey((entries[0] as ChainEntry).claims.iss);
      checkSignatures(entries, issuerKey);
      checkRevocation(entries);
      checkTime(entries, now);
      checkAttenuation(entries);
      const aud = audienceOf(entries);
      const last = (entries[entries.length - 1] as ChainEntry).claims;
      checkUse(aud, last.scope, entries.length, call);
      const result = resultOf(entries, aud);
      tokens.set(token, { entries, rootTag: issuerKey.tag, result });
      return result;
    },
  };
}

function cacheKey(raw: string, index: number): string {
  return index === 0 ? `r${raw}` : `l${raw}`;
}

function toVerifiedLink(entry: ChainEntry): VerifiedLink {
  const c = entry.claims as TokenClaims & Partial<LinkClaims>;
  const link: { -readonly [K in keyof VerifiedLink]: VerifiedLink[K] } = {
    id: entry.id,
    iss: c.iss,
    sub: c.sub,
    scope: Object.freeze([...c.scope]),
    budget_usd: c.budget_usd,
    max_depth: c.max_depth,
    iat: c.iat,
    exp: c.exp,
  };
  if (c.jti !== undefined) link.jti = c.jti;
  if (c.ctx !== undefined) link.ctx = c.ctx;
  return Object.freeze(link);
}

/**
 * Verifies one token with a throw-away verifier (no cache carried between calls). Prefer
 * {@link createTokenVerifier} in servers.
 *
 * @example
 * ```ts
 * const verified = verifyToken(token, { trustedKeys: [issuer.did], now: 1764000000, scope: 'tool:search' });
 * ```
 */
export function verifyToken(token: string, options: TokenVerifierOptions & VerifyOptions): VerifiedToken {
  const call: VerifyOptions = {};
  if (options.now !== undefined) call.now = options.now;
  if (options.scope !== undefined) call.scope = options.scope;
  return createTokenVerifier(options).verify(token, call);
}
