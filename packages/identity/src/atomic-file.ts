// Crash-safe file writes for secrets: temp file (0600) + fsync + link/rename, so a reader sees the
// old file or the new one, never half of either, and an existing file is never clobbered by accident.
import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';

async function writeTemp(target: string, data: Uint8Array | string, mode: number): Promise<string> {
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fs.open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return temp;
}

async function syncDirectory(directory: string): Promise<void> {
  // Makes the rename durable. Some platforms cannot open directories; the write is still atomic.
  try {
    const handle = await fs.open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    /* best effort */
  }
}

/**
 * Writes `data` to `target` atomically with `mode`: readers see the old file or the new one, never
 * a mix, even across a crash. With `overwrite: false` the final step is a hard link, which fails
 * with EEXIST if `target` exists: no race can clobber it.
 *
 * @example
 * ```ts
 * await writeFileAtomic('out.sig.json', json, { mode: 0o644, overwrite: false });
 * ```
 */
export async function writeFileAtomic(
  target: string,
  data: Uint8Array | string,
  options: { mode: number; overwrite: boolean },
): Promise<void> {
  const temp = await writeTemp(target, data, options.mode);
  try {
    if (options.overwrite) await fs.rename(temp, target);
    else await fs.link(temp, target);
  } finally {
    await fs.rm(temp, { force: true });
  }
  await syncDirectory(path.dirname(target));
}

/** Copies `source` to a fresh file `target` (never overwriting) with `mode`, atomically. */
export async function copyFileAtomic(source: string, target: string, mode: number): Promise<void> {
  await writeFileAtomic(target, await fs.readFile(source), { mode, overwrite: false });
}
