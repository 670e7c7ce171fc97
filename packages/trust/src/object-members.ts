// Structural checks of a signed object's members, run before any signature work so malformed input
// costs a few comparisons and never reaches the crypto. Shared by every signed object: vouches and
// revocations here, the registry's profiles and registrations. Each check raises the error the
// caller's object type calls for (`aip_vouch_malformed`, `aip_profile_malformed`, ...).
import { AipError, decodeBase64Url } from '@aip/identity';
import { cachedPublicKeyFromDidKey } from './agent-keys.js';

/** Builds the error a malformed member raises: the object type's own code and class. */
export type Malformed = (message: string, options?: ErrorOptions) => AipError;

const MAX_DID_LENGTH = 128;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
// Controls (C0, DEL, C1) and line/paragraph separators; `newlines` admits \n in long text.
const CONTROL = /[\p{Cc}\u2028\u2029]/u;
const CONTROL_BUT_NEWLINE = /(?!\n)[\p{Cc}\u2028\u2029]/u;

/**
 * `value` as a plain JSON object with no member outside `allowed` (a name is cut to 32 characters
 * in the message).
 *
 * @example
 * ```ts
 * const record = objectRecord(body, FIELDS, malformed, 'a profile');
 * ```
 */
export function objectRecord(
  value: unknown,
  allowed: ReadonlySet<string>,
  malformed: Malformed,
  what: string,
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed(`${what} must be a JSON object`);
  }
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) throw malformed(`${what} has an unknown field "${key.slice(0, 32)}"`);
  }
  return value as Record<string, unknown>;
}

/**
 * The public key of a `did:key` member, decoded under the strict key policy (memoised). Not a
 * `did:key` string: `malformed`; a `did:key` naming no acceptable key: `unacceptable` (default
 * `malformed`).
 *
 * @example
 * ```ts
 * const key = didKeyMember(record, 'voucher', malformed, unresolvable);
 * ```
 */
export function didKeyMember(
  record: Record<string, unknown>,
  field: string,
  malformed: Malformed,
  unacceptable: Malformed = malformed,
): Uint8Array {
  const value = record[field];
  if (typeof value !== 'string' || !value.startsWith('did:key:z') || value.length > MAX_DID_LENGTH) {
    throw malformed(`${field} must be a did:key`);
  }
  try {
    return cachedPublicKeyFromDidKey(value);
  } catch (err) {
    if (!(err instanceof AipError)) throw err;
    throw unacceptable(`${field} is not an acceptable Ed25519 did:key`, { cause: err });
  }
}

/**
 * A Unix time in seconds: a non-negative safe integer.
 *
 * @example
 * ```ts
 * const iat = timeMember(record, 'iat', malformed);
 * ```
 */
export function timeMember(record: Record<string, unknown>, field: string, malformed: Malformed): number {
  const value = record[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw malformed(`${field} must be a non-negative integer (Unix seconds)`);
  }
  return value;
}

/**
 * The bytes of an unpadded base64url member of `bytes` bytes, or of a length in `[min, max]`.
 *
 * @example
 * ```ts
 * const signature = base64UrlMember(record, 'signature', malformed, 64);
 * ```
 */
export function base64UrlMember(
  record: Record<string, unknown>,
  field: string,
  malformed: Malformed,
  bytes: number | readonly [min: number, max: number],
): Uint8Array {
  const [min, max] = typeof bytes === 'number' ? [bytes, bytes] : bytes;
  const value = record[field];
  const decoded = typeof value === 'string' && BASE64URL.test(value) ? decodeBase64Url(value) : undefined;
  if (decoded === undefined || decoded.length < min || decoded.length > max) {
    throw malformed(`${field} must be ${min === max ? `${min}` : `${min} to ${max}`} bytes of unpadded base64url`);
  }
  return decoded;
}

/**
 * A string of `min`..`max` UTF-16 code units without control characters (`newlines` admits `\n`).
 *
 * @example
 * ```ts
 * const name = textMember(record, 'name', malformed, { min: 1, max: 100 });
 * ```
 */
export function textMember(
  record: Record<string, unknown>,
  field: string,
  malformed: Malformed,
  limits: { min: number; max: number; newlines?: boolean },
): string {
  const value = record[field];
  const pattern = limits.newlines === true ? CONTROL_BUT_NEWLINE : CONTROL;
  if (typeof value !== 'string' || value.length < limits.min || value.length > limits.max || pattern.test(value)) {
    throw malformed(`${field} must be text of ${limits.min} to ${limits.max} characters without control characters`);
  }
  return value;
}
