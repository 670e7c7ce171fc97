// The on-disk identity: $AIP_HOME/identity.json (0600, directory 0700), written atomically,
// optionally sealed with a passphrase, never overwritten without `force` (which keeps a backup).
import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { removeStaleTempFiles, replaceFileKeepingOld, writeFileAtomic } from './atomic-file.js';
import { decodeBase64Url, encodeBase64Url } from './base64url.js';
import { type Ed25519Options, getPublicKey } from './ed25519.js';
import { IdentityError } from './errors.js';
import { exportSecretKey, type Identity, identityFromSecretKey } from './identity.js';
import { describeIoError, isIoError } from './io-error.js';
import { identifiersOf, publicKeyFromId } from './key-id.js';
import { bytesEqual } from './lib/bytes.js';
import { DEFAULT_SCRYPT, open, parseSealed, type ScryptParams, seal } from './lib/passphrase-box.js';
import { assertPlatformClaim, isPlatformClaim } from './platform-claim.js';

export const IDENTITY_FILE = 'identity.json';
/** The file `aip init` writes the next (pre-rotated) key to, beside the identity (DESIGN §11). */
export const RECOVERY_FILE = 'recovery.json';
const FILE_TYPE = 'aip-identity/1';
const MAX_FILE_SIZE = 64 * 1024;
const MAX_NAME_LENGTH = 256;

/** Where the key store lives. */
export interface KeyStoreOptions {
  /** The AIP home directory; defaults to {@link defaultAipHome}. */
  home?: string;
  /**
   * The key file: a name inside `home` or an absolute path; default {@link IDENTITY_FILE}
   * ({@link RECOVERY_FILE} holds the next key).
   */
  file?: string;
}

/** The public half of a stored identity: readable without the passphrase. */
export interface StoredIdentityInfo {
  did: string;
  aipId: string;
  publicKeyMultibase: string;
  name: string | null;
  /** A self-asserted platform account (`github/myrepo`): nobody has verified it. */
  platform: string | null;
  createdAt: string;
  encrypted: boolean;
  path: string;
  /** False when the file is readable or writable by group or others (POSIX). */
  permissionsOk: boolean;
}

/**
 * `$AIP_HOME` if set, else `~/.aip`.
 *
 * @example
 * ```ts
 * defaultAipHome({ AIP_HOME: '/tmp/agent' }); // "/tmp/agent"
 * ```
 */
export function defaultAipHome(env: Record<string, string | undefined> = process.env): string {
  const home = env.AIP_HOME;
  return home !== undefined && home !== '' ? path.resolve(home) : path.join(os.homedir(), '.aip');
}

function identityPath(options: KeyStoreOptions): string {
  return path.resolve(options.home ?? defaultAipHome(), options.file ?? IDENTITY_FILE);
}

/**
 * True when an identity file exists (encrypted or not).
 *
 * @example
 * ```ts
 * if (await identityExists({ home })) console.log('already initialised');
 * ```
 */
export async function identityExists(options: KeyStoreOptions = {}): Promise<boolean> {
  const file = identityPath(options);
  try {
    await fs.lstat(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw unavailable(`cannot read ${file}`, err);
  }
}

/** Options of {@link saveIdentity}. */
export interface SaveIdentityOptions extends KeyStoreOptions {
  name?: string;
  /** A self-asserted platform account, `<platform>/<account>` (e.g. `github/myrepo`); stored unverified. */
  platform?: string;
  /** Seal the secret key with this passphrase (scrypt + AES-256-GCM). */
  passphrase?: string;
  /** Replace an existing identity; the old file is kept as a timestamped backup. */
  force?: boolean;
  /** A one-line instruction stored in the file for whoever finds it (a recovery file's "keep offline"). */
  note?: string;
  /** Creation time (tests); defaults to the clock. */
  now?: Date;
  /** scrypt cost (tests may lower it); defaults to N = 2^17, r = 8, p = 1. */
  scrypt?: ScryptParams;
}

/**
 * Persists an identity. Refuses (`aip_identity_exists`) when one is already stored, unless
 * `force`, in which case the previous file is moved to `identity-<UTC stamp>-<random>.json.bak`.
 * Concurrent saves never lose a key: each one that returns is either the stored identity or in a
 * backup. A key store that cannot be written is `aip_keystore_unavailable`, naming the cause.
 *
 * @example
 * ```ts
 * const { path } = await saveIdentity(generateIdentity(), { home, name: 'orchestrator' });
 * ```
 */
export async function saveIdentity(
  identity: Identity,
  options: SaveIdentityOptions = {},
): Promise<{ path: string; backupPath?: string }> {
  const name = options.name ?? null;
  if (name !== null && (typeof name !== 'string' || name.length > MAX_NAME_LENGTH)) {
    throw new RangeError(`name must be a string of at most ${MAX_NAME_LENGTH} characters`);
  }
  const platform = options.platform ?? null;
  if (platform !== null) assertPlatformClaim(platform);
  const home = options.home ?? defaultAipHome();
  const target = identityPath({ ...options, home });
  if (!options.force && (await identityExists({ ...options, home }))) throw exists(target);

  const secret = exportSecretKey(identity);
  let secretKey: unknown;
  try {
    secretKey =
      options.passphrase === undefined
        ? { encoding: 'base64url', value: encodeBase64Url(secret) }
        : await seal(secret, options.passphrase, identity.did, options.scrypt ?? DEFAULT_SCRYPT);
  } finally {
    secret.fill(0);
  }
  const file = {
    type: FILE_TYPE,
    did: identity.did,
    aip_id: identity.aipId,
    public_key_multibase: identity.publicKeyMultibase,
    name,
    ...(platform === null ? {} : { platform }),
    ...(options.note === undefined ? {} : { note: options.note }),
    created_at: (options.now ?? new Date()).toISOString(),
    secret_key: secretKey,
  };

  const data = `${JSON.stringify(file, null, 2)}\n`;
  await prepareHome(home);
  // A key file outside the home (a recovery file on removable media): its folder is created 0700
  // when missing, and an existing one is left as it is.
  if (path.dirname(target) !== path.resolve(home)) {
    try {
      await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    } catch (err) {
      throw unavailable(`cannot prepare ${path.dirname(target)}`, err);
    }
  }
  // A save killed mid-write left its temp file (holding a key that was never reported as created).
  removeStaleTempFiles(target);
  if (!options.force) {
    try {
      await writeFileAtomic(target, data, { mode: 0o600, overwrite: false });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw exists(target);
      throw unavailable(`cannot write ${target}`, err);
    }
    return { path: target };
  }
  const stamp = (options.now ?? new Date())
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  let moved: string[];
  try {
    // The random part keeps concurrent replacements from ever choosing the same backup name.
    moved = await replaceFileKeepingOld(target, data, {
      mode: 0o600,
      backupName: () =>
        path.join(
          path.dirname(target),
          `${path.basename(target, '.json')}-${stamp}-${randomBytes(4).toString('hex')}.json.bak`,
        ),
    });
  } catch (err) {
    throw unavailable(`cannot write ${target}`, err);
  }
  const backupPath = moved[moved.length - 1];
  return backupPath === undefined ? { path: target } : { path: target, backupPath };
}

/** Creates `home` 0700, or takes group and other permissions off an existing one (never adding any). */
async function prepareHome(home: string): Promise<void> {
  try {
    await fs.mkdir(home, { recursive: true, mode: 0o700 });
    if (process.platform === 'win32') return;
    const mode = (await fs.stat(home)).mode & 0o777;
    if ((mode & 0o077) !== 0) await fs.chmod(home, mode & 0o700);
  } catch (err) {
    throw unavailable(`cannot prepare ${home}`, err);
  }
}

interface ParsedFile {
  info: StoredIdentityInfo;
  secretKey: unknown;
  publicKey: Uint8Array;
}

async function readIdentityFile(options: KeyStoreOptions): Promise<ParsedFile> {
  const file = identityPath(options);
  let raw: string;
  let mode: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below like any special file.
    const handle = await fs.open(file, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) {
        throw new IdentityError('aip_keystore_unavailable', `${file} is ${fileKind(stat)}, not a regular file`);
      }
      if (stat.size > MAX_FILE_SIZE) throw corrupt(file, 'file too large');
      mode = stat.mode;
      raw = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new IdentityError('aip_identity_missing', `no identity at ${file} (run "aip init")`);
    }
    if (isIoError(err)) throw unavailable(`cannot read ${file}`, err);
    throw err;
  }
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(raw);
  } catch {
    throw corrupt(file, 'not valid JSON');
  }
  if (typeof json !== 'object' || json === null || json.type !== FILE_TYPE)
    throw corrupt(file, `type is not "${FILE_TYPE}"`);
  let publicKey: Uint8Array;
  try {
    publicKey = publicKeyFromId(String(json.did));
  } catch {
    throw corrupt(file, 'did is not a valid did:key');
  }
  const ids = identifiersOf(publicKey);
  if (json.did !== ids.did || json.aip_id !== ids.aipId || json.public_key_multibase !== ids.publicKeyMultibase) {
    throw corrupt(file, 'identifiers do not agree with each other');
  }
  if (json.name !== null && (typeof json.name !== 'string' || json.name.length > MAX_NAME_LENGTH)) {
    throw corrupt(file, 'name is invalid');
  }
  const platform = json.platform ?? null;
  if (platform !== null && !isPlatformClaim(platform)) throw corrupt(file, 'platform is invalid');
  if (typeof json.created_at !== 'string') throw corrupt(file, 'created_at is missing');
  const secretKey = json.secret_key as Record<string, unknown> | undefined;
  if (typeof secretKey !== 'object' || secretKey === null) throw corrupt(file, 'secret_key is missing');
  return {
    info: {
      did: ids.did,
      aipId: ids.aipId,
      publicKeyMultibase: ids.publicKeyMultibase,
      name: json.name,
      platform,
      createdAt: json.created_at,
      encrypted: 'cipher' in secretKey,
      path: file,
      permissionsOk: process.platform === 'win32' || (mode & 0o077) === 0,
    },
    secretKey,
    publicKey,
  };
}

/**
 * Reads the public half of the stored identity (no passphrase needed). Throws `IdentityError`
 * `aip_identity_missing` or `aip_keystore_corrupt`.
 *
 * @example
 * ```ts
 * const { did, name, encrypted } = await readIdentityInfo({ home });
 * ```
 */
export async function readIdentityInfo(options: KeyStoreOptions = {}): Promise<StoredIdentityInfo> {
  return (await readIdentityFile(options)).info;
}

/** Options of {@link loadIdentity}. */
export interface LoadIdentityOptions extends KeyStoreOptions, Ed25519Options {
  /**
   * The passphrase, or a function asked for it only when the identity is encrypted (returning
   * `undefined` when it has no way to get one).
   */
  passphrase?: string | (() => Promise<string | undefined>);
}

/**
 * Loads the stored identity, decrypting it if needed, and checks that the secret key really
 * belongs to the stored did. Refuses a file other users can read (`aip_keystore_permissions`).
 * A wrong passphrase is `aip_passphrase_invalid`, never a new identity.
 *
 * @example
 * ```ts
 * const { identity } = await loadIdentity({ home, passphrase: process.env.AIP_PASSPHRASE });
 * ```
 */
export async function loadIdentity(
  options: LoadIdentityOptions = {},
): Promise<{ identity: Identity; info: StoredIdentityInfo }> {
  const { info, secretKey, publicKey } = await readIdentityFile(options);
  if (!info.permissionsOk) {
    throw new IdentityError(
      'aip_keystore_permissions',
      `${info.path} is accessible by other users; run: chmod 600 ${info.path}`,
    );
  }
  const box = secretKey as Record<string, unknown>;
  let secret: Uint8Array | undefined;
  if (info.encrypted) {
    const sealed = parseSealed(box);
    if (sealed === undefined) throw corrupt(info.path, 'encrypted secret_key is malformed');
    const passphrase = typeof options.passphrase === 'function' ? await options.passphrase() : options.passphrase;
    if (passphrase === undefined) {
      throw new IdentityError(
        'aip_passphrase_required',
        'the identity is encrypted: a passphrase is required (AIP_PASSPHRASE)',
      );
    }
    secret = await open(sealed, passphrase, info.did);
    if (secret === undefined)
      throw new IdentityError('aip_passphrase_invalid', 'wrong passphrase (or a damaged key file)');
  } else {
    if (box.encoding !== 'base64url' || typeof box.value !== 'string')
      throw corrupt(info.path, 'secret_key is malformed');
    secret = decodeBase64Url(box.value);
  }
  try {
    if (secret?.length !== 32 || !bytesEqual(getPublicKey(secret), publicKey)) {
      throw corrupt(info.path, 'secret key does not match the stored did');
    }
    const backend = options.backend;
    return { identity: identityFromSecretKey(secret, backend === undefined ? {} : { backend }), info };
  } finally {
    secret?.fill(0);
  }
}

function exists(file: string): IdentityError {
  return new IdentityError(
    'aip_identity_exists',
    `an identity already exists at ${file} (use --force to replace it; a backup is kept)`,
  );
}

function unavailable(what: string, err: unknown): unknown {
  if (!isIoError(err)) return err;
  return new IdentityError('aip_keystore_unavailable', `${what}: ${describeIoError(err)}`, { cause: err });
}

function fileKind(stat: { isFIFO(): boolean; isDirectory(): boolean; isSocket(): boolean }): string {
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isDirectory()) return 'a directory';
  if (stat.isSocket()) return 'a socket';
  return 'a device or special file';
}

function corrupt(file: string, reason: string): IdentityError {
  return new IdentityError('aip_keystore_corrupt', `identity file ${file} is unusable: ${reason}`);
}
