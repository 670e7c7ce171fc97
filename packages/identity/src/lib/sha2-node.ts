// SHA-256 and SHA-512 from node:crypto (OpenSSL): chosen by the "node" condition of the `#sha2`
// import in package.json, so Node never loads the pure-JS hashes.
import { createHash } from 'node:crypto';

function digest(algorithm: 'sha256' | 'sha512', data: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = createHash(algorithm).update(data).digest();
  // A digest Buffer never sits on a SharedArrayBuffer.
  return new Uint8Array(out.buffer as ArrayBuffer, out.byteOffset, out.byteLength);
}

export function sha256(data: Uint8Array): Uint8Array<ArrayBuffer> {
  return digest('sha256', data);
}

export function sha512(data: Uint8Array): Uint8Array<ArrayBuffer> {
  return digest('sha512', data);
}
