import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeStaleTempFiles, writeFileAtomic } from '../src/node.js';

let dir: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aip-atomic-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid as number;
}

describe('atomic files', () => {
  it('writes without leaving a temp file, and refuses to clobber without overwrite', async () => {
    const target = path.join(dir, 'out.json');
    await writeFileAtomic(target, 'one', { mode: 0o600, overwrite: false });
    await expect(writeFileAtomic(target, 'two', { mode: 0o600, overwrite: false })).rejects.toMatchObject({
      code: 'EEXIST',
    });
    await writeFileAtomic(target, 'three', { mode: 0o600, overwrite: true });
    expect(await fs.readFile(target, 'utf8')).toBe('three');
    expect(await fs.readdir(dir)).toEqual(['out.json']);
  });

  it('removes the temp files of writers that died, keeping live ones and other files', async () => {
    const target = path.join(dir, 'trust.db.idx');
    const dead = path.join(dir, `.trust.db.idx.${await deadPid()}-0123456789ab.tmp`);
    const live = path.join(dir, `.trust.db.idx.${process.pid}-0123456789ab.tmp`);
    const legacyOld = path.join(dir, '.trust.db.idx.a1b2c3d4e5f6.tmp');
    const legacyFresh = path.join(dir, '.trust.db.idx.ffffffffffff.tmp');
    const unrelated = path.join(dir, '.identity.json.1-0123456789ab.tmp');
    for (const file of [dead, live, legacyOld, legacyFresh, unrelated]) await fs.writeFile(file, 'x');
    const old = new Date(Date.now() - 3_600_000);
    await fs.utimes(legacyOld, old, old);
    const removed = removeStaleTempFiles(target);
    expect(removed.sort()).toEqual([dead, legacyOld].sort());
    expect((await fs.readdir(dir)).sort()).toEqual(
      [live, legacyFresh, unrelated].map((file) => path.basename(file)).sort(),
    );
  });

  it('finds nothing to clean in a missing directory', async () => {
    expect(removeStaleTempFiles(path.join(dir, 'missing', 'file'))).toEqual([]);
  });
});
