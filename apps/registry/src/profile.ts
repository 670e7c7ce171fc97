// Agent profiles (`aip-profile/1`): what an agent says about itself — a name, a description and
// where to reach it, and optionally a self-asserted platform account — signed by its own key, so
// publishing one proves possession of that key (never that the platform account is really the agent's).
import {
  type Ed25519Options,
  encodeBase64Url,
  type Identity,
  isPlatformClaim,
  MAX_PLATFORM_CLAIM_LENGTH,
  signJson,
  verifyJson,
} from '@aip/identity';
import {
  base64UrlMember,
  canonicalWithId,
  DEFAULT_CLOCK_SKEW,
  didKeyMember,
  type Malformed,
  objectRecord,
  TrustError,
  textMember,
  timeMember,
} from '@aip/trust';
import { RegistryError } from './errors.js';

/** The object type, also the signature's domain-separation type. */
export const PROFILE_TYPE = 'aip-profile/1' as const;
/** The longest `name`, in UTF-16 code units. */
export const MAX_NAME_LENGTH = 64;
/** The longest `description`. */
export const MAX_DESCRIPTION_LENGTH = 1024;
/** At most this many endpoints, each an http(s) URL of at most {@link MAX_ENDPOINT_LENGTH} characters. */
export const MAX_ENDPOINTS = 8;
export const MAX_ENDPOINT_LENGTH = 512;

const FIELDS = new Set(['type', 'did', 'name', 'description', 'endpoints', 'platform', 'iat', 'signature']);
const MALFORMED = 'aip_profile_malformed';
const malformed: Malformed = (message, options) => new RegistryError(MALFORMED, message, options);

/** A signed agent profile, as serialized to JSON. */
export interface Profile {
  type: typeof PROFILE_TYPE;
  /** The agent, a `did:key`; it signs the profile. */
  did: string;
  /** A display name, 1 to 64 characters. */
  name: string;
  /** What the agent does, at most 1024 characters (may be empty). */
  description: string;
  /** Where to reach it: http(s) URLs, at most 8 (may be empty). */
  endpoints: string[];
  /**
   * A platform account the agent *claims* (`github/myrepo`), absent when none. Self-asserted: the
   * signature proves only that the key holder said it; nothing checks the platform.
   */
  platform?: string;
  /** Issue time, Unix seconds: a newer profile replaces an older one. */
  iat: number;
  /** Ed25519 over `"aip-signature-v1" NUL "aip-profile/1" NUL JCS(profile without signature)`, base64url. */
  signature: string;
}

/** A profile that passed every check, with its id and canonical text. */
export interface VerifiedProfile {
  id: string;
  profile: Profile;
  canonical: string;
}

/** Options of {@link createProfile}. */
export interface CreateProfileOptions {
  name: string;
  description?: string;
  endpoints?: string[];
  /** A self-asserted platform account, `<platform>/<account>` (e.g. `github/myrepo`). */
  platform?: string;
  /** Unix seconds; defaults to the clock. */
  now?: number;
}

/** Time options of {@link verifyProfile}. */
export interface ProfileClockOptions extends Ed25519Options {
  /** Unix seconds; defaults to the clock. */
  now?: number;
  /** Seconds an `iat` may lie in the future; default 300. */
  clockSkew?: number;
}

/**
 * Creates and signs the profile of `identity`. Argument errors are `RegistryError`s
 * `aip_profile_malformed`, as a verifier would report them.
 *
 * @example
 * ```ts
 * const profile = createProfile(me, { name: 'scout', description: 'searches the web', endpoints: ['https://scout.example/mcp'] });
 * ```
 */
export function createProfile(identity: Identity, options: CreateProfileOptions): Profile {
  const unsigned: Omit<Profile, 'signature'> = {
    type: PROFILE_TYPE,
    did: identity.did,
    name: options.name,
    description: options.description ?? '',
    endpoints: options.endpoints ?? [],
    ...(options.platform === undefined ? {} : { platform: options.platform }),
    iat: Math.floor(options.now ?? Date.now() / 1000),
  };
  parseProfile({ ...unsigned, signature: encodeBase64Url(new Uint8Array(64)) });
  return { ...unsigned, signature: signJson(identity, PROFILE_TYPE, unsigned) };
}

/**
 * Checks a value against the profile schema without cryptography: known fields only, a `did:key`
 * with an acceptable key, bounded printable name and description, http(s) endpoints, an integer
 * `iat`, a 64-byte signature. Throws `RegistryError` `aip_profile_malformed`.
 *
 * @example
 * ```ts
 * const profile = parseProfile(JSON.parse(text));
 * ```
 */
export function parseProfile(value: unknown): Profile {
  const record = objectRecord(value, FIELDS, malformed, 'a profile');
  if (record.type !== PROFILE_TYPE) throw new RegistryError(MALFORMED, `type must be "${PROFILE_TYPE}"`);
  didKeyMember(record, 'did', malformed);
  textMember(record, 'name', malformed, { min: 1, max: MAX_NAME_LENGTH });
  if (typeof record.name === 'string' && record.name.trim() === '') {
    throw new RegistryError(MALFORMED, 'name must not be blank');
  }
  textMember(record, 'description', malformed, { min: 0, max: MAX_DESCRIPTION_LENGTH, newlines: true });
  const endpoints = record.endpoints;
  if (!Array.isArray(endpoints) || endpoints.length > MAX_ENDPOINTS) {
    throw new RegistryError(MALFORMED, `endpoints must be a list of at most ${MAX_ENDPOINTS} URLs`);
  }
  for (const endpoint of endpoints) {
    if (!isEndpoint(endpoint)) {
      throw new RegistryError(
        MALFORMED,
        `each endpoint must be an http or https URL of at most ${MAX_ENDPOINT_LENGTH} characters`,
      );
    }
  }
  if (new Set(endpoints).size !== endpoints.length) throw new RegistryError(MALFORMED, 'endpoints repeat a URL');
  if ('platform' in record && !isPlatformClaim(record.platform)) {
    throw new RegistryError(
      MALFORMED,
      `platform must be <platform>/<account> (e.g. github/myrepo), at most ${MAX_PLATFORM_CLAIM_LENGTH} characters`,
    );
  }
  timeMember(record, 'iat', malformed);
  base64UrlMember(record, 'signature', malformed, 64);
  return record as unknown as Profile;
}

/**
 * Verifies a profile completely: the schema ({@link parseProfile}), the issue time (not beyond the
 * clock skew), then the agent's own signature. Throws `RegistryError` `aip_profile_malformed`, or
 * `TrustError` `aip_object_not_yet_valid` / `aip_signature_invalid` (the codes every signed object shares).
 *
 * @example
 * ```ts
 * const { id, profile } = verifyProfile(body, { now });
 * ```
 */
export function verifyProfile(value: unknown, options: ProfileClockOptions = {}): VerifiedProfile {
  const profile = parseProfile(value);
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (profile.iat > now + (options.clockSkew ?? DEFAULT_CLOCK_SKEW)) {
    throw new TrustError(
      'aip_object_not_yet_valid',
      `the profile is issued in the future (iat ${profile.iat}, now ${now})`,
    );
  }
  const { signature: _signature, ...unsigned } = profile;
  const record = profile as unknown as Record<string, unknown>;
  const key = didKeyMember(record, 'did', malformed);
  const bytes = base64UrlMember(record, 'signature', malformed, 64);
  if (!verifyJson(bytes, PROFILE_TYPE, unsigned, key, options)) {
    throw new TrustError('aip_signature_invalid', "the profile's signature does not verify under its did");
  }
  return { ...canonicalWithId(profile), profile };
}

function isEndpoint(value: unknown): boolean {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ENDPOINT_LENGTH) return false;
  if (/[\s\p{Cc}]/u.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}
