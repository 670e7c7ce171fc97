// Challenge-response registration (`aip-registration/1`): the registry hands out single-use,
// short-lived challenges; the agent signs one together with the id of the profile it registers,
// which proves it holds the key now (a signed profile alone proves it held the key once).
import { encodeBase64Url, type Identity, signJson, verifyJson } from '@aip/identity';
import { base64UrlMember, didKeyMember, type Malformed, objectRecord, TrustError, timeMember } from '@aip/trust';
import { RegistryError } from './errors.js';

/** The object type, also the signature's domain-separation type. */
export const REGISTRATION_TYPE = 'aip-registration/1' as const;

const FIELDS = new Set(['type', 'did', 'challenge', 'profile', 'iat', 'signature']);
const MALFORMED = 'aip_registration_malformed';
const malformed: Malformed = (message, options) => new RegistryError(MALFORMED, message, options);
const OBJECT_ID = /^[A-Za-z0-9_-]{43}$/;

/** A signed answer to a registry's challenge. */
export interface Registration {
  type: typeof REGISTRATION_TYPE;
  /** The registering agent; it signs. */
  did: string;
  /** The challenge the registry issued (32 random bytes, base64url). */
  challenge: string;
  /** The id of the profile being registered. */
  profile: string;
  iat: number;
  signature: string;
}

/**
 * Signs the answer to `challenge` for the profile with id `profileId`.
 *
 * @example
 * ```ts
 * const { challenge } = await client.challenge(me.did);
 * const registration = createRegistration(me, { challenge, profile: profileId(profile) });
 * ```
 */
export function createRegistration(
  identity: Identity,
  options: { challenge: string; profile: string; now?: number },
): Registration {
  const unsigned: Omit<Registration, 'signature'> = {
    type: REGISTRATION_TYPE,
    did: identity.did,
    challenge: options.challenge,
    profile: options.profile,
    iat: Math.floor(options.now ?? Date.now() / 1000),
  };
  parseRegistration({ ...unsigned, signature: encodeBase64Url(new Uint8Array(64)) });
  return { ...unsigned, signature: signJson(identity, REGISTRATION_TYPE, unsigned) };
}

/**
 * Checks the registration schema (no cryptography). Throws `RegistryError` `aip_registration_malformed`.
 *
 * @example
 * ```ts
 * const registration = parseRegistration(body.registration);
 * ```
 */
export function parseRegistration(value: unknown): Registration {
  const record = objectRecord(value, FIELDS, malformed, 'a registration');
  if (record.type !== REGISTRATION_TYPE) throw new RegistryError(MALFORMED, `type must be "${REGISTRATION_TYPE}"`);
  didKeyMember(record, 'did', malformed);
  base64UrlMember(record, 'challenge', malformed, 32);
  if (typeof record.profile !== 'string' || !OBJECT_ID.test(record.profile)) {
    throw new RegistryError(MALFORMED, 'profile must be a profile id (43 base64url characters)');
  }
  timeMember(record, 'iat', malformed);
  base64UrlMember(record, 'signature', malformed, 64);
  return record as unknown as Registration;
}

/**
 * Checks a registration's schema and its signature by `did`. Whether the challenge is live is the
 * challenge store's call (`ChallengeStore`). Throws `RegistryError` or `TrustError` `aip_signature_invalid`.
 *
 * @example
 * ```ts
 * const registration = verifyRegistration(body.registration);
 * ```
 */
export function verifyRegistration(value: unknown): Registration {
  const registration = parseRegistration(value);
  const { signature: _signature, ...unsigned } = registration;
  const record = registration as unknown as Record<string, unknown>;
  const key = didKeyMember(record, 'did', malformed);
  if (!verifyJson(base64UrlMember(record, 'signature', malformed, 64), REGISTRATION_TYPE, unsigned, key)) {
    throw new TrustError('aip_signature_invalid', "the registration's signature does not verify under its did");
  }
  return registration;
}
