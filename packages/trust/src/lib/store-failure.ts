// Why a trust store could not be opened, as a TrustError that names the real cause: the SQLite
// driver cannot load in this runtime, the file system refuses (EACCES, EROFS, ...), or the file
// really is not an AIP trust store.
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { describeIoError, isIoError } from '@aip/identity/errors';
import { TrustError } from '../errors.js';

// SQLite result codes (extended codes share the prefix) that mean "cannot get at the file".
const UNAVAILABLE = ['SQLITE_CANTOPEN', 'SQLITE_READONLY', 'SQLITE_PERM', 'SQLITE_IOERR', 'SQLITE_FULL', 'SQLITE_AUTH'];
const BUSY = ['SQLITE_BUSY', 'SQLITE_LOCKED'];

function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/** The first of the store's directory and file that this process may not write, with the reason. */
function unwritable(file: string, readonly: boolean): string | undefined {
  for (const candidate of readonly ? [file] : [path.dirname(file), file]) {
    try {
      accessSync(candidate, readonly ? constants.R_OK : constants.W_OK);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && candidate === file && !readonly) continue;
      return `${candidate}: ${describeIoError(err)}`;
    }
  }
  return undefined;
}

/**
 * Classifies a failure to open the store at `file`. `driverLoaded` is false when the failure came
 * from loading better-sqlite3 itself (no native build for this runtime, as on Bun or Deno).
 */
export function storeOpenFailure(file: string, err: unknown, context: { driverLoaded: boolean; readonly: boolean }) {
  if (err instanceof TrustError) return err;
  if (isIoError(err)) {
    return new TrustError('aip_store_unavailable', `cannot open the trust store ${file}: ${describeIoError(err)}`, {
      cause: err,
    });
  }
  const code = sqliteCode(err);
  if (code === undefined && !context.driverLoaded) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return new TrustError(
      'aip_store_unavailable',
      `the SQLite driver (better-sqlite3) cannot load in this runtime: ${reason}`,
      { cause: err },
    );
  }
  if (code !== undefined && BUSY.some((prefix) => code.startsWith(prefix))) {
    return new TrustError('aip_store_unavailable', `the trust store ${file} is locked by another process (${code})`, {
      cause: err,
    });
  }
  if (code !== undefined && UNAVAILABLE.some((prefix) => code.startsWith(prefix))) {
    const reason = file === ':memory:' ? undefined : unwritable(path.resolve(file), context.readonly);
    return new TrustError('aip_store_unavailable', `cannot open the trust store ${file}: ${reason ?? code}`, {
      cause: err,
    });
  }
  return new TrustError('aip_store_corrupt', `${file} is not a usable AIP trust store`, { cause: err });
}
