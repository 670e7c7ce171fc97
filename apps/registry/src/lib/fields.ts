// Structural checks for the registry's own signed objects (profiles, registrations): run before any
// cryptography, each failure a RegistryError with the object's malformed code.
import { AipError, decodeBase64Url, publicKeyFromDidKey } from '@aip/identity';
import { RegistryError } from '../errors.js';

type MalformedCode = 'aip_profile_malformed' | 'aip_registration_malformed';

const MAX_DID_LENGTH = 128;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** A plain JSON object with only `allowed` members. */
export function recordOf(
  value: unknown,
  allowed: ReadonlySet<string>,
  code: MalformedCode,
  what: string,
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RegistryError(code, `${what} must be a JSON object`);
  }
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) throw new RegistryError(code, `${what} has an unknown field "${key.slice(0, 32)}"`);
  }
  return value as Record<string, unknown>;
}

/** The public key of a `did:key` member, decoded under the strict key policy. */
export function didKeyMember(record: Record<string, unknown>, field: string, code: MalformedCode): Uint8Array {
  const value = record[field];
  if (typeof value !== 'string' || !value.startsWith('did:key:z') || value.length > MAX_DID_LENGTH) {
    throw new RegistryError(code, `${field} must be a did:key`);
  }
  try {
    return publicKeyFromDidKey(value);
  } catch (err) {
    if (!(err instanceof AipError)) throw err;
    throw new RegistryError(code, `${field} is not an acceptable Ed25519 did:key`);
  }
}

/** A Unix time in seconds: a non-negative safe integer. */
export function timeMember(record: Record<string, unknown>, field: string, code: MalformedCode): number {
  const value = record[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RegistryError(code, `${field} must be a non-negative integer (Unix seconds)`);
  }
  return value;
}

/** Bytes of an unpadded base64url member of exactly `length` bytes. */
export function base64UrlMember(
  record: Record<string, unknown>,
  field: string,
  code: MalformedCode,
  length: number,
): Uint8Array {
  const value = record[field];
  const bytes = typeof value === 'string' && BASE64URL.test(value) ? decodeBase64Url(value) : undefined;
  if (bytes === undefined || bytes.length !== length) {
    throw new RegistryError(code, `${field} must be ${length} bytes of unpadded base64url`);
  }
  return bytes;
}

// Controls (C0, DEL, C1) and line/paragraph separators; `allowNewlines` admits \n in long text.
const CONTROL = /[\p{Cc}\u2028\u2029]/u;
const CONTROL_BUT_NEWLINE = /(?!\n)[\p{Cc}\u2028\u2029]/u;

/** A string of `min`..`max` UTF-16 code units without control characters. */
export function textMember(
  record: Record<string, unknown>,
  field: string,
  code: MalformedCode,
  limits: { min: number; max: number; newlines?: boolean },
): string {
  const value = record[field];
  const pattern = limits.newlines === true ? CONTROL_BUT_NEWLINE : CONTROL;
  if (typeof value !== 'string' || value.length < limits.min || value.length > limits.max || pattern.test(value)) {
    throw new RegistryError(
      code,
      `${field} must be text of ${limits.min} to ${limits.max} characters without control characters`,
    );
  }
  return value;
}
