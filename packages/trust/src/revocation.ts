// Revocations (DESIGN §4): `aip-revocation/1` objects by which a voucher withdraws one of its
// vouches, named by id. Only the voucher of a vouch can revoke it; the store enforces that.
import { decodeBase64Url, type Ed25519Options, type Identity, signJson, verifyJson } from '@aip/identity';
import { cachedPublicKeyFromDidKey } from './agent-keys.js';
import type { ClockOptions } from './clock-options.js';
import { TrustError, trustErrors } from './errors.js';
import { assertIssued, currentTime } from './lib/clock.js';
import { canonicalWithId, isObjectId } from './object-id.js';
import { base64UrlMember, didKeyMember, objectRecord, timeMember } from './object-members.js';

/** The object type, also the signature's domain-separation type. */
export const REVOCATION_TYPE = 'aip-revocation/1' as const;
const FIELDS = new Set(['type', 'voucher', 'vouch', 'iat', 'signature']);
const MALFORMED = 'aip_revocation_malformed';
const malformed = trustErrors(MALFORMED);
const unresolvable = trustErrors('aip_identity_unresolvable');

/** A signed revocation, as serialized to JSON. */
export interface Revocation {
  type: typeof REVOCATION_TYPE;
  /** The voucher of the revoked vouch, a `did:key`; it signs the revocation. */
  voucher: string;
  /** The id of the revoked vouch. */
  vouch: string;
  /** Issue time, Unix seconds. */
  iat: number;
  /** Ed25519 over `"aip-signature-v1" NUL "aip-revocation/1" NUL JCS(revocation without signature)`. */
  signature: string;
}

/** A revocation whose signature verified, with its own id and canonical text. */
export interface VerifiedRevocation {
  id: string;
  revocation: Revocation;
  canonical: string;
}

/**
 * Signs a revocation of the vouch `vouchId` by `identity`. It only takes effect on a vouch whose
 * voucher is `identity`.
 *
 * @example
 * ```ts
 * const revocation = createRevocation(me, vouchId(vouch));
 * ```
 */
export function createRevocation(identity: Identity, vouchId: string, options: { now?: number } = {}): Revocation {
  const unsigned: Omit<Revocation, 'signature'> = {
    type: REVOCATION_TYPE,
    voucher: identity.did,
    vouch: vouchId,
    iat: Math.floor(currentTime(options)),
  };
  parseRevocation({ ...unsigned, signature: 'A'.repeat(86) });
  return { ...unsigned, signature: signJson(identity, REVOCATION_TYPE, unsigned) };
}

/**
 * Checks a value against the revocation schema, without cryptography. Throws `TrustError`
 * (`aip_revocation_malformed`, `aip_identity_unresolvable`).
 *
 * @example
 * ```ts
 * const revocation = parseRevocation(JSON.parse(line));
 * ```
 */
export function parseRevocation(value: unknown): Revocation {
  const record = objectRecord(value, FIELDS, malformed, 'a revocation');
  if (record.type !== REVOCATION_TYPE) throw new TrustError(MALFORMED, `type must be "${REVOCATION_TYPE}"`);
  didKeyMember(record, 'voucher', malformed, unresolvable);
  if (!isObjectId(record.vouch)) throw new TrustError(MALFORMED, 'vouch must be a vouch id (43 base64url characters)');
  timeMember(record, 'iat', malformed);
  base64UrlMember(record, 'signature', malformed, 64);
  return record as unknown as Revocation;
}

/**
 * Verifies a revocation's schema, issue time and signature. Whether its signer may revoke the
 * named vouch is decided where the vouch is known (the store): `aip_revocation_unauthorized`.
 *
 * @example
 * ```ts
 * const { id, revocation } = verifyRevocation(JSON.parse(line), { now });
 * ```
 */
export function verifyRevocation(value: unknown, options: ClockOptions & Ed25519Options = {}): VerifiedRevocation {
  const revocation = parseRevocation(value);
  assertIssued(revocation.iat, currentTime(options), options, 'the revocation');
  const { signature, ...unsigned } = revocation;
  const ok = verifyJson(
    decodeBase64Url(signature) as Uint8Array,
    REVOCATION_TYPE,
    unsigned,
    cachedPublicKeyFromDidKey(revocation.voucher),
    options,
  );
  if (!ok) {
    throw new TrustError('aip_signature_invalid', "the revocation's signature does not verify under its voucher");
  }
  const { canonical, id } = canonicalWithId(revocation);
  return { id, revocation, canonical };
}
