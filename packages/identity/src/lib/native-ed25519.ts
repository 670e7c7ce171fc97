// Ed25519 through node:crypto (OpenSSL) with one cached KeyObject per public key: about 15x the
// pure-JS speed. Inputs pass the same strict byte policy as the fallback before OpenSSL sees them.
import type { KeyObject } from 'node:crypto';
import { isSignatureEncodingAcceptable } from './ed25519-policy.js';
import { nodeCrypto } from './native-crypto.js';
import { decodePublicKey } from './noble-ed25519.js';

// ASN.1 prefix that wraps a raw 32-byte seed as PKCS#8 (RFC 8410).
const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

// Sized for trust-graph imports, which verify objects from ~10^5 distinct vouchers.
const MAX_CACHED_KEYS = 1 << 16;
// null marks a key that failed the policy, so a flood of bad keys costs one decode each at most.
const publicKeys = new Map<string, KeyObject | null>();

export const hasNativeEd25519 = nodeCrypto !== undefined;

function cachedPublicKey(publicKey: Uint8Array): KeyObject | null {
  const crypto = nodeCrypto as typeof import('node:crypto');
  const cacheKey = String.fromCharCode.apply(null, publicKey as unknown as number[]);
  let key = publicKeys.get(cacheKey);
  if (key === undefined) {
    key =
      decodePublicKey(publicKey) === undefined
        ? null
        : // A JWK (RFC 8037) imports about ten times faster than the same key as SPKI DER.
          crypto.createPublicKey({
            key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') },
            format: 'jwk',
          });
    // FIFO eviction: the map iterates in insertion order.
    if (publicKeys.size >= MAX_CACHED_KEYS) publicKeys.delete(publicKeys.keys().next().value as string);
    publicKeys.set(cacheKey, key);
  }
  return key;
}

export function nativeVerify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (!isSignatureEncodingAcceptable(signature)) return false;
  const key = cachedPublicKey(publicKey);
  if (key === null) return false;
  return (nodeCrypto as typeof import('node:crypto')).verify(null, message, key, signature);
}

/** A signing function bound to one private KeyObject (created once, never exported). */
export function nativeSigner(secretKey: Uint8Array): (message: Uint8Array) => Uint8Array {
  const crypto = nodeCrypto as typeof import('node:crypto');
  const der = Buffer.concat([PKCS8_PREFIX, secretKey]);
  const key = crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  der.fill(0);
  return (message) => {
    const signature = crypto.sign(null, message, key);
    return new Uint8Array(signature.buffer, signature.byteOffset, signature.byteLength);
  };
}
