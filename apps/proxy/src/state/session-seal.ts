// Session binding by sealed identifiers (`[session]`, DESIGN §9): the session id an upstream issues
// (and every SSE event id, which a shared event store could replay across sessions) reaches the
// client only sealed — AES-256-GCM under a secret of the proxy's, around the principal it belongs
// to and when it was issued. A sealed id that does not open is unknown; one that opens for another
// principal is forbidden. Nothing is stored, so any replica with the same secret, and the proxy
// after a restart, decides the same way; an id the upstream issued cannot be presented raw.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ProxyConfigError } from '../config/errors.js';

/** What a sealed identifier names: a session, or an event of a stream. */
export type SealKind = 'session' | 'event';

export type Unsealed = { ok: true; id: string } | { ok: false; reason: 'unknown' | 'forbidden' | 'expired' };

export interface SessionSeal {
  /** The identifier clients see for the upstream's `id`, bound to `principal`. */
  seal(kind: SealKind, id: string, principal: string, nowSeconds: number): string;
  /** The upstream's id behind `sealed`, if it opens, is `principal`'s and is younger than `ttlSeconds`. */
  open(kind: SealKind, sealed: string, principal: string, nowSeconds: number, ttlSeconds: number): Unsealed;
}

const KINDS: Record<SealKind, number> = { session: 1, event: 2 };
const MAX_ID = 1024;
const MIN_SECRET = 32;

function principalTag(principal: string): Buffer {
  return createHash('sha256').update(principal).digest().subarray(0, 16);
}

/**
 * A seal under `secret` (at least 32 bytes).
 *
 * @example
 * ```ts
 * const seal = createSessionSeal(loadSessionSecret('/etc/aip/session.secret'));
 * const sealed = seal.seal('session', upstreamId, principalKey(p), now);
 * seal.open('session', sealed, principalKey(p), now, 86400); // { ok: true, id: upstreamId }
 * ```
 */
export function createSessionSeal(secret: Uint8Array): SessionSeal {
  if (secret.length < MIN_SECRET) throw new RangeError(`a session secret needs at least ${MIN_SECRET} bytes`);
  const key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'aip-proxy sealed ids v1', 32));
  return {
    seal(kind, id, principal, nowSeconds) {
      const header = Buffer.alloc(5);
      header[0] = KINDS[kind];
      header.writeUInt32BE(Math.max(0, Math.floor(nowSeconds)) >>> 0, 1);
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(header);
      const body = Buffer.concat([cipher.update(principalTag(principal)), cipher.update(id, 'utf8'), cipher.final()]);
      return Buffer.concat([header, nonce, body, cipher.getAuthTag()]).toString('base64url');
    },
    open(kind, sealed, principal, nowSeconds, ttlSeconds) {
      if (sealed.length > 2 * MAX_ID || !/^[A-Za-z0-9_-]+$/.test(sealed)) return { ok: false, reason: 'unknown' };
      const raw = Buffer.from(sealed, 'base64url');
      if (raw.length < 5 + 12 + 16 + 16 || raw[0] !== KINDS[kind]) return { ok: false, reason: 'unknown' };
      const header = raw.subarray(0, 5);
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(5, 17));
      decipher.setAAD(header);
      decipher.setAuthTag(raw.subarray(raw.length - 16));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(raw.subarray(17, raw.length - 16)), decipher.final()]);
      } catch {
        return { ok: false, reason: 'unknown' };
      }
      if (!plain.subarray(0, 16).equals(principalTag(principal))) return { ok: false, reason: 'forbidden' };
      if (header.readUInt32BE(1) + ttlSeconds < nowSeconds) return { ok: false, reason: 'expired' };
      return { ok: true, id: plain.subarray(16).toString('utf8') };
    },
  };
}

/**
 * The secret in `file` (its bytes; at least 32, a regular file no one else can read), or a fresh
 * random one when no file is configured (sealed ids then end with the process).
 *
 * @example
 * ```ts
 * loadSessionSecret(config.state.session_secret_file);
 * ```
 */
export function loadSessionSecret(file: string | undefined): Uint8Array {
  if (file === undefined) return randomBytes(32);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw new ProxyConfigError(
      'state.session_secret_file',
      `cannot read ${file} (${(err as NodeJS.ErrnoException).code})`,
    );
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new ProxyConfigError('state.session_secret_file', `${file} is not a regular file`);
    if ((stat.mode & 0o077) !== 0)
      throw new ProxyConfigError(
        'state.session_secret_file',
        `${file} must not be readable by group or others (chmod 600)`,
      );
    const buffer = Buffer.alloc(Math.min(stat.size, 4096));
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    if (n < MIN_SECRET)
      throw new ProxyConfigError(
        'state.session_secret_file',
        `${file} holds ${n} bytes; at least ${MIN_SECRET} random bytes are needed`,
      );
    return buffer.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}
