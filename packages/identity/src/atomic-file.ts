// Crash-safe file writes for secrets: temp file (0600) + fsync + link/rename, so a reader sees the
// old file or the new one, never half of either, and an existing file is never clobbered by accident.
import { randomBytes } from 'node:crypto';
import { constants, promises as fs, lstatSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

// Temp files are named `.<target>.<pid>-<12 hex>.tmp`: the pid tells a later run whether the
// writer is still alive (see removeStaleTempFiles).
const TEMP_PATTERN = /^\.(.+)\.(?:(\d+)-)?[0-9a-f]{12}\.tmp$/;
// A temp file of an older version (no pid in its name) is stale once it has not changed for this long.
const UNOWNED_TEMP_AGE_MS = 60_000;

async function writeTemp(target: string, data: Uint8Array | string, mode: number): Promise<string> {
  const temp = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`,
  );
  const handle = await fs.open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
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

/**
 * Puts `data` at `target`, moving whatever file is there to a fresh name from `backupName()` first,
 * and returns the names it moved files to. Safe under concurrency: a file leaves `target` only by a
 * rename to an unused backup name, and the new one arrives only by a hard link, which fails if a
 * racing writer got there first (then that writer's file is moved aside too, and this one retried).
 * Every file that was ever at `target` ends up there or in a backup. `backupName` must return names
 * that cannot collide (e.g. with a random part): a rename would replace an existing file.
 *
 * @example
 * ```ts
 * const [backup] = await replaceFileKeepingOld(file, json, { mode: 0o600, backupName: () => `${file}.${Date.now()}.bak` });
 * ```
 */
export async function replaceFileKeepingOld(
  target: string,
  data: Uint8Array | string,
  options: { mode: number; backupName: () => string },
): Promise<string[]> {
  const temp = await writeTemp(target, data, options.mode);
  const moved: string[] = [];
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await fs.link(temp, target);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 1000) throw err;
      }
      const backup = options.backupName();
      try {
        await fs.rename(target, backup);
        moved.push(backup);
      } catch (err) {
        // Another writer moved it away first: the link can be tried again.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  } finally {
    await fs.rm(temp, { force: true });
  }
  await syncDirectory(path.dirname(target));
  return moved;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temp files that {@link writeFileAtomic} left beside `target` when its process was
 * killed mid-write (`.<name>.<pid>-<hex>.tmp` whose pid is no longer running), and returns their
 * paths. Temp files of live writers, this process's included, are left alone. Synchronous (one
 * directory listing) so that opening a store can call it; failures are ignored: this is housekeeping.
 *
 * @example
 * ```ts
 * removeStaleTempFiles('/home/me/.aip/trust.db.idx');
 * ```
 */
export function removeStaleTempFiles(target: string, now: number = Date.now()): string[] {
  const directory = path.dirname(target);
  const base = path.basename(target);
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = TEMP_PATTERN.exec(name);
    if (match === null || match[1] !== base) continue;
    const file = path.join(directory, name);
    try {
      const pid = match[2] === undefined ? undefined : Number(match[2]);
      if (pid !== undefined && (pid === process.pid || isAlive(pid))) continue;
      if (pid === undefined && now - lstatSync(file).mtimeMs < UNOWNED_TEMP_AGE_MS) continue;
      rmSync(file, { force: true });
      removed.push(file);
    } catch {
      /* raced with another cleaner, or not ours to remove */
    }
  }
  return removed;
}
