// Signed checkpoints of the audit log (object type `aip-audit-checkpoint/1`): the proxy's audit key
// signs the hash of the line before the checkpoint, so the chain up to it cannot be rewritten
// without the key, and the anchor file (a copy of the latest checkpoint) shows where the log must
// at least reach.
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, linkSync, openSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import {
  decodeBase64Url,
  didKeyFromId,
  encodeBase64Url,
  exportSecretKey,
  generateIdentity,
  type Identity,
  identityFromSecretKey,
  publicKeyFromId,
  signJson,
  verifyJson,
} from '@aip/identity';
import { ProxyConfigError } from '../config/errors.js';

export const CHECKPOINT_TYPE = 'aip-audit-checkpoint/1';

/** The key that signs checkpoints. */
export interface AuditKey {
  identity: Identity;
}

/** The signed fields of a checkpoint. */
export interface CheckpointFields {
  time: string;
  /** base64url SHA-256 of the line before the checkpoint. */
  head: string;
  /** Written when the log was closed cleanly. */
  final?: boolean;
}

/**
 * A checkpoint record (without `prev`, which the log adds).
 *
 * @example
 * ```ts
 * signCheckpoint(key, { time: new Date().toISOString(), head });
 * ```
 */
export function signCheckpoint(key: AuditKey, fields: CheckpointFields): Record<string, unknown> {
  const payload = { type: 'checkpoint', ...fields, key: key.identity.did };
  return { ...payload, sig: signJson(key.identity, CHECKPOINT_TYPE, payload) };
}

/**
 * Why a checkpoint record does not verify (or `undefined` when it does). With `expectedKey`, the
 * checkpoint must also be signed by that key.
 *
 * @example
 * ```ts
 * checkCheckpoint(JSON.parse(line), 'did:key:z6Mk...'); // undefined
 * ```
 */
export function checkCheckpoint(record: Record<string, unknown>, expectedKey?: string): string | undefined {
  const { sig, prev: _prev, ...payload } = record;
  if (typeof sig !== 'string' || typeof payload.key !== 'string' || typeof payload.head !== 'string')
    return 'a checkpoint needs head, key and sig';
  let key: Uint8Array;
  try {
    key = publicKeyFromId(payload.key);
  } catch {
    return 'the checkpoint key is not a usable Ed25519 key';
  }
  if (expectedKey !== undefined && didKeyFromId(expectedKey) !== didKeyFromId(payload.key))
    return 'the checkpoint is signed by another key';
  const signature = decodeBase64Url(sig);
  if (signature === undefined) return 'the checkpoint signature is not base64url';
  if (signature.length !== 64 || !verifyJson(signature, CHECKPOINT_TYPE, payload, key))
    return 'the checkpoint signature does not verify';
  return undefined;
}

/**
 * The audit key in `file`, created (0600, never overwriting) when it does not exist.
 *
 * @example
 * ```ts
 * const key = loadAuditKey('aip-audit.jsonl.key');
 * console.log(key.identity.did); // pin this to verify the log later
 * ```
 */
export function loadAuditKey(file: string): AuditKey {
  const read = (): AuditKey | undefined => {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new ProxyConfigError(
        'logging.checkpoint_key',
        `cannot read ${file} (${(err as NodeJS.ErrnoException).code})`,
      );
    }
    try {
      if (!fstatSync(fd).isFile())
        throw new ProxyConfigError('logging.checkpoint_key', `${file} is not a regular file`);
      const json = JSON.parse(readFileSync(fd, 'utf8')) as { secret_key?: unknown };
      const secret = typeof json.secret_key === 'string' ? decodeBase64Url(json.secret_key) : undefined;
      if (secret === undefined) throw new Error('no secret_key');
      return { identity: identityFromSecretKey(secret) };
    } catch (err) {
      if (err instanceof ProxyConfigError) throw err;
      throw new ProxyConfigError('logging.checkpoint_key', `${file} is not an audit key file`);
    } finally {
      closeSync(fd);
    }
  };
  const existing = read();
  if (existing !== undefined) return existing;
  const identity = generateIdentity();
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(
      temp,
      `${JSON.stringify({ did: identity.did, secret_key: encodeBase64Url(exportSecretKey(identity)) })}\n`,
      { mode: 0o600, flag: 'wx' },
    );
    // link() never replaces an existing file: if another process created the key meanwhile, use it.
    linkSync(temp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
      throw new ProxyConfigError(
        'logging.checkpoint_key',
        `cannot create ${file} (${(err as NodeJS.ErrnoException).code})`,
      );
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
  }
  return read() as AuditKey;
}
