// Detached signature envelopes for files and JSON payloads (what `aip sign` writes): the signer
// signs the SHA-256 digest and size of the content, never the content itself.
import { decodeBase64Url, encodeBase64Url } from './base64url.js';
import { publicKeyFromDidKey } from './did-key.js';
import { type Ed25519Options, verify } from './ed25519.js';
import { IdentityError } from './errors.js';
import { sha256 } from './hash.js';
import type { Identity } from './identity.js';
import { canonicalize } from './jcs.js';
import { bytesEqual, fromUtf8, utf8 } from './lib/bytes.js';
import { signingInput } from './signed-json.js';

export const DETACHED_SIGNATURE_TYPE = 'aip-detached-signature/1' as const;
const MAX_ENVELOPE_LENGTH = 16 * 1024;
const FIELDS = new Set(['type', 'alg', 'signer', 'digest', 'size', 'canonicalization', 'iat', 'signature']);

/** `none`: the digest covers the exact bytes. `jcs`: it covers the RFC 8785 form of a JSON value. */
export type Canonicalization = 'none' | 'jcs';

/** A detached signature, as serialized to JSON. */
export interface DetachedSignature {
  type: typeof DETACHED_SIGNATURE_TYPE;
  alg: 'EdDSA';
  signer: string;
  digest: { alg: 'sha-256'; value: string };
  size: number;
  canonicalization: Canonicalization;
  iat: number;
  signature: string;
}

/**
 * What is signed: raw bytes, a JSON value (canonicalized first, so re-formatting keeps the
 * signature valid), or a digest computed elsewhere (e.g. while streaming a large file).
 */
export type DetachedContent =
  | Uint8Array
  | { json: unknown }
  | { sha256: Uint8Array; size: number; canonicalization?: Canonicalization };

interface Digest {
  hash: Uint8Array;
  size: number;
  canonicalization: Canonicalization;
}

function digestOf(content: DetachedContent): Digest {
  if (content instanceof Uint8Array) return { hash: sha256(content), size: content.length, canonicalization: 'none' };
  if ('json' in content) {
    const bytes = utf8(canonicalize(content.json));
    return { hash: sha256(bytes), size: bytes.length, canonicalization: 'jcs' };
  }
  if (!(content.sha256 instanceof Uint8Array) || content.sha256.length !== 32) {
    throw new TypeError('sha256 must be a 32-byte Uint8Array');
  }
  if (!Number.isSafeInteger(content.size) || content.size < 0)
    throw new RangeError('size must be a non-negative integer');
  return { hash: content.sha256, size: content.size, canonicalization: content.canonicalization ?? 'none' };
}

/**
 * Signs content detached: the envelope names the signer (`did:key`), the digest and size, and is
 * itself signed over its canonical JSON with the `aip-detached-signature/1` domain.
 *
 * @example
 * ```ts
 * const envelope = createDetachedSignature(identity, fileBytes);
 * fs.writeFileSync('file.sig.json', JSON.stringify(envelope));
 * ```
 */
export function createDetachedSignature(
  identity: Identity,
  content: DetachedContent,
  options: { /** Unix seconds; defaults to the clock. */ now?: number } = {},
): DetachedSignature {
  const digest = digestOf(content);
  const unsigned = {
    type: DETACHED_SIGNATURE_TYPE,
    alg: 'EdDSA' as const,
    signer: identity.did,
    digest: { alg: 'sha-256' as const, value: encodeBase64Url(digest.hash) },
    size: digest.size,
    canonicalization: digest.canonicalization,
    iat: Math.floor(options.now ?? Date.now() / 1000),
  };
  const signature = identity.sign(signingInput(DETACHED_SIGNATURE_TYPE, unsigned));
  return { ...unsigned, signature: encodeBase64Url(signature) };
}

/** The outcome of a successful {@link verifyDetachedSignature}. */
export interface DetachedVerification {
  signer: string;
  iat: number;
  size: number;
  canonicalization: Canonicalization;
  sha256: string;
}

/**
 * Parses a detached signature envelope (a JSON string or an already-parsed value) against its
 * schema. Throws `IdentityError` `aip_signature_malformed`.
 *
 * @example
 * ```ts
 * const envelope = parseDetachedSignature(fs.readFileSync('file.sig.json', 'utf8'));
 * ```
 */
export function parseDetachedSignature(input: unknown): DetachedSignature {
  let value = input;
  if (typeof input === 'string') {
    if (input.length > MAX_ENVELOPE_LENGTH) throw malformed(`larger than ${MAX_ENVELOPE_LENGTH} bytes`);
    try {
      value = JSON.parse(input);
    } catch {
      throw malformed('not JSON');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed('not a JSON object');
  const env = value as Record<string, unknown>;
  for (const key of Object.keys(env)) if (!FIELDS.has(key)) throw malformed(`unknown field "${key.slice(0, 32)}"`);
  if (env.type !== DETACHED_SIGNATURE_TYPE) throw malformed(`type must be "${DETACHED_SIGNATURE_TYPE}"`);
  if (env.alg !== 'EdDSA') throw malformed('alg must be "EdDSA"');
  if (typeof env.signer !== 'string' || !env.signer.startsWith('did:key:') || env.signer.length > 128) {
    throw malformed('signer must be a did:key');
  }
  const digest = env.digest as Record<string, unknown> | null;
  if (
    typeof digest !== 'object' ||
    digest === null ||
    Object.keys(digest).length !== 2 ||
    digest.alg !== 'sha-256' ||
    typeof digest.value !== 'string' ||
    decodeBase64Url(digest.value)?.length !== 32
  ) {
    throw malformed('digest must be {"alg":"sha-256","value":<32 bytes base64url>}');
  }
  if (!Number.isSafeInteger(env.size) || (env.size as number) < 0)
    throw malformed('size must be a non-negative integer');
  if (env.canonicalization !== 'none' && env.canonicalization !== 'jcs') {
    throw malformed('canonicalization must be "none" or "jcs"');
  }
  if (!Number.isSafeInteger(env.iat) || (env.iat as number) < 0) throw malformed('iat must be a non-negative integer');
  if (typeof env.signature !== 'string' || decodeBase64Url(env.signature)?.length !== 64) {
    throw malformed('signature must be 64 bytes base64url');
  }
  return env as unknown as DetachedSignature;
}

/**
 * Verifies a detached signature against the content. Checks, in order: the envelope schema, the
 * signer's key, the content digest and size, then the Ed25519 signature. When `signer` is given,
 * the envelope must name exactly that did:key. Throws `IdentityError`
 * (`aip_signature_malformed`, `aip_key_invalid`, `aip_identity_unresolvable`,
 * `aip_signature_invalid`).
 *
 * @example
 * ```ts
 * const { signer } = verifyDetachedSignature(envelopeJson, fileBytes);
 * ```
 */
export function verifyDetachedSignature(
  envelope: unknown,
  content: DetachedContent,
  options: Ed25519Options & { signer?: string } = {},
): DetachedVerification {
  const env = parseDetachedSignature(envelope);
  const publicKey = publicKeyFromDidKey(env.signer);
  if (options.signer !== undefined && options.signer !== env.signer) {
    throw new IdentityError('aip_signature_invalid', 'signed by a different identity than the one required');
  }
  const digest = digestOf(
    content instanceof Uint8Array && env.canonicalization === 'jcs' ? { json: parseJsonContent(content) } : content,
  );
  if (digest.canonicalization !== env.canonicalization) {
    throw new IdentityError(
      'aip_signature_invalid',
      `content canonicalization differs from the signed "${env.canonicalization}"`,
    );
  }
  if (digest.size !== env.size || !bytesEqual(digest.hash, decodeBase64Url(env.digest.value) as Uint8Array)) {
    throw new IdentityError('aip_signature_invalid', 'content does not match the signed digest');
  }
  const { signature, ...unsigned } = env;
  const ok = verify(
    decodeBase64Url(signature) as Uint8Array,
    signingInput(DETACHED_SIGNATURE_TYPE, unsigned),
    publicKey,
    options,
  );
  if (!ok) throw new IdentityError('aip_signature_invalid', 'signature does not verify');
  return {
    signer: env.signer,
    iat: env.iat,
    size: env.size,
    canonicalization: env.canonicalization,
    sha256: env.digest.value,
  };
}

function parseJsonContent(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(fromUtf8(bytes));
  } catch {
    throw new IdentityError('aip_signature_invalid', 'content was signed as canonical JSON but is not JSON');
  }
}

function malformed(reason: string): IdentityError {
  return new IdentityError('aip_signature_malformed', `malformed signature envelope: ${reason}`);
}
