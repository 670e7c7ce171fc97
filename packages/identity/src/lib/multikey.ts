// Multibase base58btc encodings of Ed25519 public keys: raw (32 bytes) and multicodec
// `ed25519-pub` (0xed 0x01 || key, 34 bytes), with the strict key policy applied on decode.
import { base58btc } from 'multiformats/bases/base58';
import { IdentityError } from '../errors.js';
import { decodePublicKey } from './noble-ed25519.js';

const ED25519_PUB = Uint8Array.from([0xed, 0x01]);
// base58 decoding is quadratic: refuse anything longer than a key could be before decoding.
const MAX_MULTIBASE_LENGTH = 64;

export function encodeMultikey(publicKey: Uint8Array): string {
  const bytes = new Uint8Array(34);
  bytes.set(ED25519_PUB);
  bytes.set(publicKey, 2);
  return base58btc.encode(bytes);
}

export function encodeRawMultibase(publicKey: Uint8Array): string {
  return base58btc.encode(publicKey);
}

/** Decodes `z...`; `forms` says which byte layouts are accepted. Throws `IdentityError`. */
export function decodeMultibaseKey(text: string, forms: 'multicodec' | 'raw-or-multicodec'): Uint8Array {
  if (text.length > MAX_MULTIBASE_LENGTH || text[0] !== 'z') {
    throw new IdentityError('aip_identity_unresolvable', 'expected a base58btc multibase key (z...)');
  }
  let bytes: Uint8Array;
  try {
    bytes = base58btc.decode(text);
  } catch {
    throw new IdentityError('aip_identity_unresolvable', 'key is not valid base58btc');
  }
  let key: Uint8Array;
  if (bytes.length === 34 && bytes[0] === 0xed && bytes[1] === 0x01) key = bytes.subarray(2);
  else if (bytes.length === 32 && forms === 'raw-or-multicodec') key = bytes;
  else
    throw new IdentityError('aip_identity_unresolvable', 'not an Ed25519 public key (expected multicodec ed25519-pub)');
  assertAcceptablePublicKey(key);
  return Uint8Array.from(key);
}

export function assertAcceptablePublicKey(publicKey: Uint8Array): void {
  if (publicKey.length !== 32 || decodePublicKey(publicKey) === undefined) {
    throw new IdentityError(
      'aip_key_invalid',
      'public key is not an acceptable Ed25519 key (non-canonical, off-curve or small order)',
    );
  }
}
