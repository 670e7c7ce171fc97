// The claim sets of AIP tokens, delegation links and proofs (DESIGN §3), and their strict readers.
import { TokenError } from './errors.js';
import { MAX_CONTEXT_LENGTH, MAX_ID_LENGTH, MAX_JTI_LENGTH, MAX_SCOPES } from './limits.js';
import { isValidScope, SCOPE_GRAMMAR } from './scope.js';

/** Claims of a root compact token (`typ: aip+jwt`), wire-compatible with the Python reference. */
export interface TokenClaims {
  iss: string;
  sub: string;
  scope: string[];
  /** `null` (or absent on the wire) means no budget ceiling. */
  budget_usd: number | null;
  /** Delegation links allowed below this token; absent on the wire means 0. */
  max_depth: number;
  iat: number;
  exp: number;
  aud?: string | string[];
  jti?: string;
  nbf?: number;
}

/** Claims of a delegation link (`typ: aip-dlg+jwt`), signed by the previous holder. */
export interface LinkClaims {
  iss: string;
  sub: string;
  /** base64url SHA-256 of the previous segment's exact bytes. */
  prev: string;
  scope: string[];
  budget_usd: number | null;
  max_depth: number;
  iat: number;
  exp: number;
  jti: string;
  /** Why the authority was delegated (non-empty). */
  ctx: string;
}

/** Claims of a proof of possession (`typ: aip-pop+jwt`), modeled on DPoP (RFC 9449). */
export interface ProofClaims {
  aud: string;
  htm: string;
  htu: string;
  /** base64url SHA-256 of the token. */
  ath: string;
  /** base64url SHA-256 of the exact request body. */
  bh: string;
  jti: string;
  iat: number;
}

const MAX_BUDGET = 1e12;
const HASH = /^[A-Za-z0-9_-]{43}$/;
// Identifiers and ids travel in HTTP headers and log lines: visible ASCII only.
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

function bad(what: string, reason: string): TokenError {
  return new TokenError('aip_token_malformed', `${what}: ${reason}`);
}

function readString(p: Record<string, unknown>, key: string, what: string, max: number): string {
  const v = p[key];
  if (typeof v !== 'string' || v.length === 0 || v.length > max || !VISIBLE_ASCII.test(v)) {
    throw bad(what, `"${key}" must be a non-empty string of at most ${max} visible ASCII characters`);
  }
  return v;
}

function readTime(p: Record<string, unknown>, key: string, what: string): number {
  const v = p[key];
  if (!Number.isSafeInteger(v) || (v as number) < 0)
    throw bad(what, `"${key}" must be a non-negative integer (Unix seconds)`);
  return v as number;
}

function readScope(p: Record<string, unknown>, what: string): string[] {
  const v = p.scope;
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_SCOPES)
    throw bad(what, `"scope" must be a non-empty array of at most ${MAX_SCOPES} scopes`);
  for (const s of v)
    if (!isValidScope(s)) throw bad(what, `"scope" holds an invalid scope (expected ${SCOPE_GRAMMAR})`);
  return v as string[];
}

function readBudget(p: Record<string, unknown>, what: string): number | null {
  const v = p.budget_usd;
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > MAX_BUDGET)
    throw bad(what, '"budget_usd" must be a non-negative number or null');
  return v;
}

function readDepth(p: Record<string, unknown>, what: string, required: boolean): number {
  const v = p.max_depth;
  if (v === undefined && !required) return 0;
  if (!Number.isSafeInteger(v) || (v as number) < 0 || (v as number) > 64)
    throw bad(what, '"max_depth" must be an integer from 0 to 64');
  return v as number;
}

function readExpiry(p: Record<string, unknown>, what: string): { iat: number; exp: number } {
  const iat = readTime(p, 'iat', what);
  const exp = readTime(p, 'exp', what);
  if (exp <= iat) throw bad(what, '"exp" must be after "iat"');
  return { iat, exp };
}

/** Validates the claims of a root token. Throws `aip_token_malformed`. */
export function readTokenClaims(p: Record<string, unknown>, what = 'token'): TokenClaims {
  const claims: TokenClaims = {
    iss: readString(p, 'iss', what, MAX_ID_LENGTH),
    sub: readString(p, 'sub', what, MAX_ID_LENGTH),
    scope: readScope(p, what),
    budget_usd: readBudget(p, what),
    max_depth: readDepth(p, what, false),
    ...readExpiry(p, what),
  };
  if (p.aud !== undefined) {
    const aud = p.aud;
    const ok =
      (typeof aud === 'string' && aud.length <= MAX_ID_LENGTH && VISIBLE_ASCII.test(aud)) ||
      (Array.isArray(aud) &&
        aud.length > 0 &&
        aud.length <= 16 &&
        aud.every((a) => typeof a === 'string' && a.length <= MAX_ID_LENGTH && VISIBLE_ASCII.test(a)));
    if (!ok) throw bad(what, '"aud" must be a string or a non-empty array of strings');
    claims.aud = aud as string | string[];
  }
  if (p.jti !== undefined) claims.jti = readString(p, 'jti', what, MAX_JTI_LENGTH);
  if (p.nbf !== undefined) claims.nbf = readTime(p, 'nbf', what);
  return claims;
}

/** Validates the claims of a delegation link. Throws `aip_token_malformed`. */
export function readLinkClaims(p: Record<string, unknown>, what: string): LinkClaims {
  const prev = p.prev;
  if (typeof prev !== 'string' || !HASH.test(prev)) throw bad(what, '"prev" must be a base64url SHA-256 hash');
  const ctx = p.ctx;
  if (typeof ctx !== 'string' || ctx.trim().length === 0 || ctx.length > MAX_CONTEXT_LENGTH || CONTROL.test(ctx)) {
    throw bad(
      what,
      `"ctx" must be a non-empty reason of at most ${MAX_CONTEXT_LENGTH} characters, without control characters`,
    );
  }
  return {
    iss: readString(p, 'iss', what, MAX_ID_LENGTH),
    sub: readString(p, 'sub', what, MAX_ID_LENGTH),
    prev,
    scope: readScope(p, what),
    budget_usd: readBudget(p, what),
    max_depth: readDepth(p, what, true),
    ...readExpiry(p, what),
    jti: readString(p, 'jti', what, MAX_JTI_LENGTH),
    ctx,
  };
}

/** Validates the claims of a proof of possession. Throws `aip_proof_invalid`. */
export function readProofClaims(p: Record<string, unknown>): ProofClaims {
  const fail = (reason: string) => new TokenError('aip_proof_invalid', `proof: ${reason}`);
  const str = (key: string, max: number) => {
    const v = p[key];
    if (typeof v !== 'string' || v.length === 0 || v.length > max || !VISIBLE_ASCII.test(v)) {
      throw fail(`"${key}" must be a non-empty visible ASCII string`);
    }
    return v;
  };
  const hash = (key: string) => {
    const v = str(key, 43);
    if (!HASH.test(v)) throw fail(`"${key}" must be a base64url SHA-256 hash`);
    return v;
  };
  if (!Number.isSafeInteger(p.iat) || (p.iat as number) < 0) throw fail('"iat" must be Unix seconds');
  return {
    aud: str('aud', MAX_ID_LENGTH),
    htm: str('htm', 16),
    htu: str('htu', 2048),
    ath: hash('ath'),
    bh: hash('bh'),
    jti: str('jti', MAX_JTI_LENGTH),
    iat: p.iat as number,
  };
}
