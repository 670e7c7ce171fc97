// Key events (DESIGN §11): `aip-key-event/1` objects by which an identity commits to its next key
// (inception), hands over to it (rotation) and declares a key compromised (revocation). Each is
// self-certifying: JCS + the `aip-signature-v1` domain prefix, verified offline like a vouch.
import { decodeBase64Url, encodeBase64Url } from './base64url.js';
import { publicKeyFromDidKey } from './did-key.js';
import { type Ed25519Options, verify } from './ed25519.js';
import { AipError, IdentityError } from './errors.js';
import { sha256 } from './hash.js';
import type { Identity } from './identity.js';
import { canonicalize } from './jcs.js';
import { utf8 } from './lib/bytes.js';
import { signingInput } from './signed-json.js';

/** The object type, also the signature's domain-separation type. */
export const KEY_EVENT_TYPE = 'aip-key-event/1' as const;
/** The longest revocation `reason`, in UTF-16 code units. */
export const MAX_REASON_LENGTH = 256;
/** The longest serialized key event accepted, in UTF-16 code units (a maximal one is under 1 KiB). */
export const MAX_KEY_EVENT_LENGTH = 4096;

const MAX_DID_LENGTH = 128;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const CONTROL = /[\p{Cc}\u2028\u2029]/u;
const FIELDS = {
  inception: new Set(['type', 'event', 'key', 'next', 'iat', 'signature']),
  rotation: new Set(['type', 'event', 'prior', 'prev', 'key', 'next', 'iat', 'signature']),
  revocation: new Set(['type', 'event', 'key', 'signer', 'reason', 'iat', 'signature']),
} as const;

/** Starts a lineage: `key` (the working key, which signs) commits to the hash of the next key. */
export interface InceptionEvent {
  type: typeof KEY_EVENT_TYPE;
  event: 'inception';
  /** The working key, a `did:key`; it signs the event and names the lineage. */
  key: string;
  /** {@link keyCommitment} of the next key: base64url SHA-256 of its 32-byte public key. */
  next: string;
  iat: number;
  signature: string;
}

/**
 * Hands the identity from `prior` to `key`: signed by `key`, the key `prior`'s establishing event
 * committed to, and committing in turn to the following key.
 */
export interface RotationEvent {
  type: typeof KEY_EVENT_TYPE;
  event: 'rotation';
  /** The key rotated away from. */
  prior: string;
  /** The id of the event that established `prior` (its inception or the rotation to it). */
  prev: string;
  /** The successor, a `did:key`; it signs the event. */
  key: string;
  /** {@link keyCommitment} of the key after `key`. */
  next: string;
  iat: number;
  signature: string;
}

/** "This key is compromised": signed by `key` itself or by the next key its establishment committed to. */
export interface KeyRevocationEvent {
  type: typeof KEY_EVENT_TYPE;
  event: 'revocation';
  /** The revoked key. */
  key: string;
  /** Who signs: `key` itself, or the key committed as its next. */
  signer: string;
  /** A short human reason. */
  reason?: string;
  iat: number;
  signature: string;
}

/** Any key event, as serialized to JSON. */
export type KeyEvent = InceptionEvent | RotationEvent | KeyRevocationEvent;

/** A key event whose structure and signature were checked, with its id and canonical text. */
export interface VerifiedKeyEvent {
  /** base64url SHA-256 of the canonical text (the signature included). */
  readonly id: string;
  readonly event: KeyEvent;
  /** The RFC 8785 text of the event: what a store keeps and re-exports. */
  readonly canonical: string;
  /** `commitment` of `event.key` (rotation successors are checked against it); for revocations, of the signer. */
  readonly signerCommitment: string;
}

const malformed = (message: string, options?: ErrorOptions) =>
  new IdentityError('aip_key_event_malformed', message, options);

/**
 * The commitment to a next key: base64url (unpadded) SHA-256 of its 32-byte Ed25519 public key.
 *
 * @example
 * ```ts
 * const next = keyCommitment(nextIdentity.publicKey); // 43 characters
 * ```
 */
export function keyCommitment(publicKey: Uint8Array): string {
  if (!(publicKey instanceof Uint8Array)) throw new TypeError('publicKey must be a Uint8Array');
  if (publicKey.length !== 32) throw new RangeError('publicKey must be 32 bytes');
  return encodeBase64Url(sha256(publicKey));
}

/** Options of the event constructors. */
export interface KeyEventOptions {
  /** Unix seconds; defaults to the clock. */
  now?: number;
}

function issuedAt(options: KeyEventOptions): number {
  return Math.floor(options.now ?? Date.now() / 1000);
}

function signed<T extends KeyEvent>(identity: Identity, unsigned: Omit<T, 'signature'>): T {
  // The schema is checked before signing, so a constructor never signs what a verifier refuses.
  parseKeyEvent({ ...unsigned, signature: 'A'.repeat(86) });
  const signature = encodeBase64Url(identity.sign(signingInput(KEY_EVENT_TYPE, unsigned)));
  return { ...unsigned, signature } as T;
}

/**
 * Signs the inception of `working`'s lineage, committing to `next` (its public key is hashed; only
 * the commitment is published, so the next key can stay offline).
 *
 * @example
 * ```ts
 * const inception = createInception(working, { next: recovery.publicKey });
 * ```
 */
export function createInception(working: Identity, options: KeyEventOptions & { next: Uint8Array }): InceptionEvent {
  return signed<InceptionEvent>(working, {
    type: KEY_EVENT_TYPE,
    event: 'inception',
    key: working.did,
    next: keyCommitment(options.next),
    iat: issuedAt(options),
  });
}

/**
 * Signs the rotation from the key `established` made current to `successor` (the key that event
 * committed to, which signs), committing to `next`.
 *
 * @example
 * ```ts
 * const rotation = createRotation(recovery, { established: inception, next: newRecovery.publicKey });
 * ```
 */
export function createRotation(
  successor: Identity,
  options: KeyEventOptions & { established: InceptionEvent | RotationEvent; next: Uint8Array },
): RotationEvent {
  const established = parseKeyEvent(options.established);
  if (established.event === 'revocation') throw new TypeError('established must be an inception or a rotation');
  if (keyCommitment(successor.publicKey) !== established.next) {
    throw new IdentityError(
      'aip_key_event_unauthorized',
      'this key is not the next key the current key committed to, so it cannot rotate',
    );
  }
  return signed<RotationEvent>(successor, {
    type: KEY_EVENT_TYPE,
    event: 'rotation',
    prior: established.key,
    prev: keyEventId(established),
    key: successor.did,
    next: keyCommitment(options.next),
    iat: issuedAt(options),
  });
}

/**
 * Signs "`key` is compromised", by `signer`: the key itself, or the next key committed to when `key`
 * was established (whether it is is decided against the lineage, by {@link computeKeyState}).
 *
 * @example
 * ```ts
 * const revocation = createKeyRevocation(recovery, { key: working.did, reason: 'laptop stolen' });
 * ```
 */
export function createKeyRevocation(
  signer: Identity,
  options: KeyEventOptions & { key?: string; reason?: string },
): KeyRevocationEvent {
  return signed<KeyRevocationEvent>(signer, {
    type: KEY_EVENT_TYPE,
    event: 'revocation',
    key: options.key ?? signer.did,
    signer: signer.did,
    ...(options.reason === undefined ? {} : { reason: options.reason }),
    iat: issuedAt(options),
  });
}

function didKeyMember(record: Record<string, unknown>, field: string): Uint8Array {
  const value = record[field];
  if (typeof value !== 'string' || !value.startsWith('did:key:z') || value.length > MAX_DID_LENGTH) {
    throw malformed(`${field} must be a did:key`);
  }
  try {
    return publicKeyFromDidKey(value);
  } catch (err) {
    if (!(err instanceof AipError)) throw err;
    throw malformed(`${field} is not an acceptable Ed25519 did:key`, { cause: err });
  }
}

function bytesMember(record: Record<string, unknown>, field: string, length: number): Uint8Array {
  const value = record[field];
  const bytes = typeof value === 'string' && BASE64URL.test(value) ? decodeBase64Url(value) : undefined;
  if (bytes === undefined || bytes.length !== length) {
    throw malformed(`${field} must be ${length} bytes of unpadded base64url`);
  }
  return bytes;
}

/**
 * Checks a value (or its JSON text) against the key-event schema, without any cryptography: a known
 * `event`, exactly its fields, acceptable `did:key`s, 32-byte commitments and ids, an integer `iat`,
 * a bounded reason, a 64-byte signature. Throws `IdentityError` `aip_key_event_malformed`.
 *
 * @example
 * ```ts
 * const event = parseKeyEvent(JSON.parse(line));
 * ```
 */
export function parseKeyEvent(input: unknown): KeyEvent {
  let value = input;
  if (typeof input === 'string') {
    if (input.length > MAX_KEY_EVENT_LENGTH) throw malformed(`longer than ${MAX_KEY_EVENT_LENGTH} characters`);
    try {
      value = JSON.parse(input);
    } catch {
      throw malformed('not JSON');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed('not a JSON object');
  const record = value as Record<string, unknown>;
  if (record.type !== KEY_EVENT_TYPE) throw malformed(`type must be "${KEY_EVENT_TYPE}"`);
  const kind = record.event;
  if (kind !== 'inception' && kind !== 'rotation' && kind !== 'revocation') {
    throw malformed('event must be "inception", "rotation" or "revocation"');
  }
  for (const key of Object.keys(record)) {
    if (!FIELDS[kind].has(key)) throw malformed(`a ${kind} has no field "${key.slice(0, 32)}"`);
  }
  didKeyMember(record, 'key');
  if (kind === 'rotation') {
    didKeyMember(record, 'prior');
    if (record.prior === record.key) throw malformed('a rotation must name a successor other than the prior key');
    bytesMember(record, 'prev', 32);
  }
  if (kind === 'revocation') {
    didKeyMember(record, 'signer');
    const reason = record.reason;
    if (
      reason !== undefined &&
      (typeof reason !== 'string' || reason.length === 0 || reason.length > MAX_REASON_LENGTH || CONTROL.test(reason))
    ) {
      throw malformed(`reason must be text of 1 to ${MAX_REASON_LENGTH} characters without control characters`);
    }
  } else {
    bytesMember(record, 'next', 32);
  }
  const iat = record.iat;
  if (typeof iat !== 'number' || !Number.isSafeInteger(iat) || iat < 0) {
    throw malformed('iat must be a non-negative integer (Unix seconds)');
  }
  bytesMember(record, 'signature', 64);
  return record as unknown as KeyEvent;
}

/**
 * The id of a key event: base64url SHA-256 of the RFC 8785 form of the signed object (the same
 * rule as vouch ids). A rotation names its predecessor's establishing event by this id.
 *
 * @example
 * ```ts
 * const prev = keyEventId(inception);
 * ```
 */
export function keyEventId(event: KeyEvent): string {
  return encodeBase64Url(sha256(utf8(canonicalize(event))));
}

/**
 * Verifies a key event on its own: the schema first ({@link parseKeyEvent}), then the Ed25519
 * signature of its signer (`key` for an inception or a rotation, `signer` for a revocation). Whether
 * the signer had the authority (a rotation by the committed key, a revocation by the key or its
 * committed next key) depends on the other events and is decided by {@link computeKeyState}.
 * Throws `IdentityError` (`aip_key_event_malformed`, `aip_signature_invalid`).
 *
 * @example
 * ```ts
 * const verified = verifyKeyEvent(JSON.parse(line));
 * store.add(verified.canonical);
 * ```
 */
export function verifyKeyEvent(input: unknown, options: Ed25519Options = {}): VerifiedKeyEvent {
  const event = parseKeyEvent(input);
  const signerDid = event.event === 'revocation' ? event.signer : event.key;
  const publicKey = publicKeyFromDidKey(signerDid);
  const { signature, ...unsigned } = event;
  const ok = verify(
    decodeBase64Url(signature) as Uint8Array,
    signingInput(KEY_EVENT_TYPE, unsigned),
    publicKey,
    options,
  );
  if (!ok)
    throw new IdentityError('aip_signature_invalid', "the key event's signature does not verify under its signer");
  const canonical = canonicalize(event);
  return {
    id: encodeBase64Url(sha256(utf8(canonical))),
    event,
    canonical,
    signerCommitment: keyCommitment(publicKey),
  };
}
