// Passphrase encryption of a secret key at rest: scrypt (RFC 7914) derives a 256-bit key that seals
// the secret with AES-256-GCM; the identity's did is the associated data, binding box and owner.
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { decodeBase64Url, encodeBase64Url } from '../base64url.js';

/** scrypt cost parameters: N = 2^17, r = 8, p = 1 (about 128 MiB and a few hundred ms). */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };
// Bounds on parameters read from a file, so a crafted identity file cannot ask for gigabytes.
const MAX_N = 2 ** 20;
const MAX_R = 16;
const MAX_P = 4;

export interface SealedSecret {
  cipher: 'aes-256-gcm';
  kdf: { name: 'scrypt'; salt: string } & ScryptParams;
  nonce: string;
  ciphertext: string;
  tag: string;
}

function deriveKey(passphrase: string, salt: Uint8Array, params: ScryptParams): Promise<Buffer> {
  const maxmem = 128 * params.N * params.r * params.p + 32 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(passphrase.normalize('NFC'), salt, 32, { N: params.N, r: params.r, p: params.p, maxmem }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export async function seal(
  secret: Uint8Array,
  passphrase: string,
  associatedData: string,
  params: ScryptParams = DEFAULT_SCRYPT,
): Promise<SealedSecret> {
  const salt = randomBytes(16);
  const nonce = randomBytes(12);
  const key = await deriveKey(passphrase, salt, params);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(secret), cipher.final()]);
  key.fill(0);
  return {
    cipher: 'aes-256-gcm',
    kdf: { name: 'scrypt', salt: encodeBase64Url(salt), ...params },
    nonce: encodeBase64Url(nonce),
    ciphertext: encodeBase64Url(ciphertext),
    tag: encodeBase64Url(cipher.getAuthTag()),
  };
}

/** Parses the sealed form; `undefined` when any field is missing, mistyped or out of bounds. */
export function parseSealed(value: unknown): SealedSecret | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const kdf = v.kdf as Record<string, unknown> | undefined;
  if (v.cipher !== 'aes-256-gcm' || typeof kdf !== 'object' || kdf === null || kdf.name !== 'scrypt') return undefined;
  const { N, r, p } = kdf;
  const validN = typeof N === 'number' && Number.isInteger(N) && N >= 2 && N <= MAX_N && (N & (N - 1)) === 0;
  const validR = typeof r === 'number' && Number.isInteger(r) && r >= 1 && r <= MAX_R;
  const validP = typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= MAX_P;
  if (!validN || !validR || !validP) return undefined;
  const salt = typeof kdf.salt === 'string' ? decodeBase64Url(kdf.salt) : undefined;
  const nonce = typeof v.nonce === 'string' ? decodeBase64Url(v.nonce) : undefined;
  const ciphertext = typeof v.ciphertext === 'string' ? decodeBase64Url(v.ciphertext) : undefined;
  const tag = typeof v.tag === 'string' ? decodeBase64Url(v.tag) : undefined;
  if (
    salt === undefined ||
    salt.length < 16 ||
    nonce?.length !== 12 ||
    ciphertext?.length !== 32 ||
    tag?.length !== 16
  ) {
    return undefined;
  }
  return value as SealedSecret;
}

/** Opens a sealed secret; `undefined` when the passphrase (or the data) is wrong. */
export async function open(
  sealed: SealedSecret,
  passphrase: string,
  associatedData: string,
): Promise<Uint8Array | undefined> {
  const key = await deriveKey(passphrase, decodeBase64Url(sealed.kdf.salt) as Uint8Array, sealed.kdf);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, decodeBase64Url(sealed.nonce) as Uint8Array, {
      authTagLength: 16,
    });
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(decodeBase64Url(sealed.tag) as Uint8Array);
    const plain = Buffer.concat([decipher.update(decodeBase64Url(sealed.ciphertext) as Uint8Array), decipher.final()]);
    return new Uint8Array(plain.buffer, plain.byteOffset, plain.byteLength);
  } catch {
    return undefined;
  } finally {
    key.fill(0);
  }
}
