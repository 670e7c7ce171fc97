// Vouches (DESIGN §4): `aip-vouch/1` objects a voucher signs about a subject, in one scope, with a
// weight in (0, 1], an issue time, an optional expiry and a nonce.
import { randomBytes } from 'node:crypto';
import {
  decodeBase64Url,
  type Ed25519Options,
  encodeBase64Url,
  type Identity,
  signJson,
  verifyJson,
} from '@aip/identity';
import { cachedPublicKeyFromDidKey } from './agent-keys.js';
import { assertScope } from './assert-scope.js';
import type { ClockOptions } from './clock-options.js';
import { TrustError, trustErrors } from './errors.js';
import { assertIssued, currentTime } from './lib/clock.js';
import { canonicalWithId } from './object-id.js';
import { base64UrlMember, didKeyMember, objectRecord, timeMember } from './object-members.js';

/** The object type, also the signature's domain-separation type. */
export const VOUCH_TYPE = 'aip-vouch/1' as const;
/** The longest `statement`, in UTF-16 code units. */
export const MAX_STATEMENT_LENGTH = 1024;
const FIELDS = new Set([
  'type',
  'voucher',
  'subject',
  'scope',
  'weight',
  'statement',
  'iat',
  'exp',
  'nonce',
  'signature',
]);
const MALFORMED = 'aip_vouch_malformed';
const malformed = trustErrors(MALFORMED);
const unresolvable = trustErrors('aip_identity_unresolvable');

/** A signed vouch, as serialized to JSON. */
export interface Vouch {
  type: typeof VOUCH_TYPE;
  /** The signer, a `did:key`. */
  voucher: string;
  /** Who is vouched for, a `did:key` other than the voucher. */
  subject: string;
  /** What the subject is trusted for: a scope of `@aip/token`'s grammar (`isValidScope`), matched by its matcher. */
  scope: string;
  /** Strength in (0, 1]; 1 when absent. */
  weight?: number;
  /** A short human reason (at most 1024 characters). */
  statement?: string;
  /** Issue time, Unix seconds. */
  iat: number;
  /** Expiry, Unix seconds, after `iat`; the vouch counts while `now < exp`. */
  exp?: number;
  /** 16 to 32 random bytes, base64url: two otherwise equal vouches still get distinct ids. */
  nonce: string;
  /** Ed25519 over `"aip-signature-v1" NUL "aip-vouch/1" NUL JCS(vouch without signature)`, base64url. */
  signature: string;
}

/** A vouch that passed every check, with its id and canonical text (what the store keeps). */
export interface VerifiedVouch {
  id: string;
  vouch: Vouch;
  /** The weight, 1 when the object has none. */
  weight: number;
  canonical: string;
}

/** Options of {@link createVouch}. */
export interface CreateVouchOptions {
  /** The agent vouched for (`did:key`). */
  subject: string;
  /** What the subject is trusted for; required: no vouch grants everything by default (DESIGN §4). */
  scope: string;
  /** Default 1. */
  weight?: number;
  statement?: string;
  /** Lifetime in seconds from `now`; sets `exp`. */
  ttl?: number;
  /** Unix seconds; defaults to the clock. */
  now?: number;
  /** Randomness for the nonce (tests); defaults to the platform CSPRNG. */
  random?: (length: number) => Uint8Array;
}

/**
 * Creates and signs a vouch from `identity` for `options.subject` in `options.scope` (required; `*`
 * must be asked for). Argument errors are `TrustError`s with the code a verifier would give
 * (`aip_vouch_malformed`, `aip_scope_invalid`).
 *
 * @example
 * ```ts
 * const vouch = createVouch(me, { subject: 'did:key:z6Mk...', scope: 'tool:search', weight: 0.8, ttl: 86400 });
 * ```
 */
export function createVouch(identity: Identity, options: CreateVouchOptions): Vouch {
  const now = Math.floor(currentTime(options));
  const nonce = options.random === undefined ? new Uint8Array(randomBytes(16)) : options.random(16);
  const unsigned: Omit<Vouch, 'signature'> = {
    type: VOUCH_TYPE,
    voucher: identity.did,
    subject: options.subject,
    scope: options.scope,
    weight: options.weight ?? 1,
    ...(options.statement === undefined ? {} : { statement: options.statement }),
    iat: now,
    ...(options.ttl === undefined ? {} : { exp: now + options.ttl }),
    nonce: encodeBase64Url(nonce),
  };
  if (options.ttl !== undefined && (!Number.isSafeInteger(options.ttl) || options.ttl <= 0)) {
    throw new TrustError(MALFORMED, 'ttl must be a positive whole number of seconds');
  }
  const vouch = { ...unsigned, signature: '' };
  parseVouch({ ...vouch, signature: encodeBase64Url(new Uint8Array(64)) });
  vouch.signature = signJson(identity, VOUCH_TYPE, unsigned);
  return vouch;
}

/**
 * Checks a value against the vouch schema without any cryptography: known fields only, `did:key`
 * voucher and subject (different, with acceptable keys), a valid scope, weight in (0, 1], bounded
 * statement, integer times with `exp > iat`, nonce and signature sizes. Throws `TrustError`
 * (`aip_vouch_malformed`, `aip_scope_invalid`, `aip_identity_unresolvable`).
 *
 * @example
 * ```ts
 * const vouch = parseVouch(JSON.parse(line));
 * ```
 */
export function parseVouch(value: unknown): Vouch {
  const record = objectRecord(value, FIELDS, malformed, 'a vouch');
  if (record.type !== VOUCH_TYPE) throw new TrustError(MALFORMED, `type must be "${VOUCH_TYPE}"`);
  didKeyMember(record, 'voucher', malformed, unresolvable);
  didKeyMember(record, 'subject', malformed, unresolvable);
  if (record.voucher === record.subject) throw new TrustError(MALFORMED, 'an agent cannot vouch for itself');
  assertScope(record.scope);
  const weight = record.weight;
  if (weight !== undefined && (typeof weight !== 'number' || !(weight > 0 && weight <= 1))) {
    throw new TrustError(MALFORMED, 'weight must be a number in (0, 1]');
  }
  const statement = record.statement;
  if (statement !== undefined && (typeof statement !== 'string' || statement.length > MAX_STATEMENT_LENGTH)) {
    throw new TrustError(MALFORMED, `statement must be a string of at most ${MAX_STATEMENT_LENGTH} characters`);
  }
  const iat = timeMember(record, 'iat', malformed);
  if (record.exp !== undefined && timeMember(record, 'exp', malformed) <= iat) {
    throw new TrustError(MALFORMED, 'exp must be after iat');
  }
  base64UrlMember(record, 'nonce', malformed, [16, 32]);
  base64UrlMember(record, 'signature', malformed, 64);
  return record as unknown as Vouch;
}

/**
 * Verifies a vouch completely: the schema ({@link parseVouch}), then time (`exp > now`, `iat` not
 * beyond the clock skew), then the voucher's signature. Returns it with its id. Throws `TrustError`:
 * the schema codes, `aip_vouch_expired`, `aip_object_not_yet_valid`, `aip_signature_invalid`.
 *
 * @example
 * ```ts
 * const { id, vouch } = verifyVouch(JSON.parse(line), { now: Math.floor(Date.now() / 1000) });
 * ```
 */
export function verifyVouch(value: unknown, options: ClockOptions & Ed25519Options = {}): VerifiedVouch {
  const vouch = parseVouch(value);
  const now = currentTime(options);
  if (vouch.exp !== undefined && vouch.exp <= now) {
    throw new TrustError('aip_vouch_expired', `the vouch expired at ${vouch.exp}`);
  }
  assertIssued(vouch.iat, now, options, 'the vouch');
  const { signature, ...unsigned } = vouch;
  const ok = verifyJson(
    decodeBase64Url(signature) as Uint8Array,
    VOUCH_TYPE,
    unsigned,
    cachedPublicKeyFromDidKey(vouch.voucher),
    options,
  );
  if (!ok) throw new TrustError('aip_signature_invalid', "the vouch's signature does not verify under its voucher");
  const { canonical, id } = canonicalWithId(vouch);
  return { id, vouch, weight: vouch.weight ?? 1, canonical };
}

/**
 * The id of a signed vouch: base64url SHA-256 of the RFC 8785 form of the whole object, signature
 * included.
 *
 * @example
 * ```ts
 * const id = vouchId(vouch); // 43 characters, e.g. for `aip revoke`
 * ```
 */
export function vouchId(vouch: Vouch): string {
  return canonicalWithId(parseVouch(vouch)).id;
}
