// Names the real cause of a failed file-system call (EACCES, EROFS, ...) in words a user can act on.

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a path component is not a directory',
  EISDIR: 'is a directory',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
};

/**
 * True for an error thrown by a node:fs call (it carries an errno `code` and a `syscall`).
 *
 * @example
 * ```ts
 * try { await fs.mkdir(home); } catch (err) { if (isIoError(err)) console.error(describeIoError(err)); }
 * ```
 */
export function isIoError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && 'syscall' in err;
}

/**
 * The cause of a failed file-system call in words and code, `"read-only file system (EROFS)"`, or the
 * bare code when it has no description here.
 *
 * @example
 * ```ts
 * describeIoError(Object.assign(new Error('x'), { code: 'EACCES' })); // "permission denied (EACCES)"
 * ```
 */
export function describeIoError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string') return 'unknown error';
  const reason = REASONS[code];
  return reason === undefined ? code : `${reason} (${code})`;
}
