// Challenge-response registration (`aip-registration/1`): the registry hands out single-use,
// short-lived challenges; the agent signs one together with the id of the profile it registers,
// which proves it holds the key now (a signed profile alone proves it held the key once).
import { randomBytes } from 'node:crypto';
import { encodeBase64Url, type Identity, signJson, verifyJson } from '@aip/identity';
import { base64UrlMember, didKeyMember, type Malformed, objectRecord, TrustError, timeMember } from '@aip/trust';
import { RegistryError } from './errors.js';

/** The object type, also the signature's domain-separation type. */
export const REGISTRATION_TYPE = 'aip-registration/1' as const;
/** Lifetime of a challenge, seconds. */
export const DEFAULT_CHALLENGE_TTL = 120;

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

/** A challenge as the registry hands it out. */
export interface Challenge {
  challenge: string;
  did: string;
  /** Unix seconds after which it is refused. */
  expires_at: number;
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
 * {@link ChallengeBook}'s call. Throws `RegistryError` or `TrustError` `aip_signature_invalid`.
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

/**
 * Outstanding challenges, in memory: each is bound to one DID, lives `ttl` seconds and is used at
 * most once. At most `capacity` are kept; the oldest go first.
 *
 * @example
 * ```ts
 * const book = new ChallengeBook();
 * const issued = book.issue(did, now);
 * book.consume(issued.challenge, did, now); // throws aip_challenge_invalid the second time
 * ```
 */
export class ChallengeBook {
  readonly #ttl: number;
  readonly #capacity: number;
  readonly #open = new Map<string, { did: string; expires: number }>();

  constructor(options: { ttl?: number; capacity?: number } = {}) {
    this.#ttl = options.ttl ?? DEFAULT_CHALLENGE_TTL;
    this.#capacity = options.capacity ?? 10_000;
  }

  /** Issues a fresh challenge for `did`. */
  issue(did: string, now: number): Challenge {
    for (const [key, entry] of this.#open) {
      if (entry.expires > now && this.#open.size < this.#capacity) break;
      this.#open.delete(key);
    }
    const challenge = encodeBase64Url(new Uint8Array(randomBytes(32)));
    const expires = now + this.#ttl;
    this.#open.set(challenge, { did, expires });
    return { challenge, did, expires_at: expires };
  }

  /** Uses up `challenge`; throws `aip_challenge_invalid` unless it is open, unexpired and issued to `did`. */
  consume(challenge: string, did: string, now: number): void {
    const entry = this.#open.get(challenge);
    this.#open.delete(challenge);
    if (entry === undefined || entry.did !== did || entry.expires <= now) {
      throw new RegistryError(
        'aip_challenge_invalid',
        'the challenge is unknown, expired, used or issued to another agent',
      );
    }
  }

  /** Challenges currently open (expired ones included until they are swept). */
  get size(): number {
    return this.#open.size;
  }
}
