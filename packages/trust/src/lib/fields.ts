// Structural checks shared by vouches and revocations: run before any signature work, so malformed
// input costs a few comparisons and never reaches the crypto.
import { AipError, decodeBase64Url } from '@aip/identity';
import { TrustError, type TrustErrorCode } from '../errors.js';
import { cachedPublicKeyFromDidKey } from './did-cache.js';

const MAX_DID_LENGTH = 128;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export type MalformedCode = Extract<TrustErrorCode, 'aip_vouch_malformed' | 'aip_revocation_malformed'>;

/** A plain JSON object, or a `TrustError` with `code`. */
export function asRecord(value: unknown, code: MalformedCode, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TrustError(code, `${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** Refuses any member not in `allowed` (the name is truncated in the message). */
export function assertKnownFields(
  record: Record<string, unknown>,
  allowed: ReadonlySet<string>,
  code: MalformedCode,
  what: string,
): void {
  for (const key of Object.keys(record)) {
    if (!allowed.has(key)) throw new TrustError(code, `${what} has an unknown field "${key.slice(0, 32)}"`);
  }
}

/** The public key of a `did:key` member; `aip_identity_unresolvable` for anything else. */
export function didKeyField(record: Record<string, unknown>, field: string, code: MalformedCode): Uint8Array {
  const value = record[field];
  if (typeof value !== 'string' || !value.startsWith('did:key:z') || value.length > MAX_DID_LENGTH) {
    throw new TrustError(code, `${field} must be a did:key`);
  }
  try {
    return cachedPublicKeyFromDidKey(value);
  } catch (err) {
    if (!(err instanceof AipError)) throw err;
    throw new TrustError('aip_identity_unresolvable', `${field} is not an acceptable Ed25519 did:key`, { cause: err });
  }
}

/** A Unix time in seconds: a non-negative safe integer. */
export function timeField(record: Record<string, unknown>, field: string, code: MalformedCode): number {
  const value = record[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new TrustError(code, `${field} must be a non-negative integer (Unix seconds)`);
  }
  return value;
}

/** Decoded bytes of a base64url member of exactly `length` bytes (or a length in `range`). */
export function base64UrlField(
  record: Record<string, unknown>,
  field: string,
  code: MalformedCode,
  range: [number, number],
): Uint8Array {
  const value = record[field];
  const bytes = typeof value === 'string' && BASE64URL.test(value) ? decodeBase64Url(value) : undefined;
  if (bytes === undefined || bytes.length < range[0] || bytes.length > range[1]) {
    const size = range[0] === range[1] ? `${range[0]}` : `${range[0]} to ${range[1]}`;
    throw new TrustError(code, `${field} must be ${size} bytes of unpadded base64url`);
  }
  return bytes;
}
