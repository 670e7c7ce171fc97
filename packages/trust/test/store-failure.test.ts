import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTrustEngine, openTrustStore } from '../src/index.js';
import { agent, storeVouch, tempDir, vouch } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => {
  await cleanup();
});

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid as number;
}

describe('opening a trust store that cannot be opened', () => {
  it('says aip_store_unavailable, naming the cause, when the directory cannot be created', async () => {
    const blocker = path.join(dir, 'blocker');
    await fs.writeFile(blocker, 'a file, not a directory');
    expect(() => openTrustStore({ home: path.join(blocker, 'home') })).toThrow(
      expect.objectContaining({ code: 'aip_store_unavailable', message: expect.stringMatching(/ENOTDIR|EEXIST/) }),
    );
  });

  it('says aip_store_unavailable for a read-only open of a missing file, not aip_store_corrupt', () => {
    const file = path.join(dir, 'missing.db');
    expect(() => openTrustStore({ path: file, readonly: true })).toThrow(
      expect.objectContaining({ code: 'aip_store_unavailable', message: expect.stringContaining('ENOENT') }),
    );
  });

  it.runIf(process.platform !== 'win32' && process.getuid?.() !== 0)(
    'names EACCES when the directory is read-only',
    async () => {
      const home = path.join(dir, 'home');
      await fs.mkdir(home, { mode: 0o500 });
      expect(() => openTrustStore({ home })).toThrow(
        expect.objectContaining({ code: 'aip_store_unavailable', message: expect.stringContaining('EACCES') }),
      );
    },
  );
});

describe('index snapshot leftovers', () => {
  it('removes the temp file of a snapshot write that was killed, on the next open', async () => {
    const file = path.join(dir, 't.db');
    const store = openTrustStore({ path: file });
    storeVouch(store, vouch(agent('alice'), agent('bob')));
    const leftover = path.join(dir, `.t.db.idx.${await deadPid()}-0123456789ab.tmp`);
    await fs.writeFile(leftover, 'half a snapshot');
    const engine = openTrustEngine(store);
    await expect(fs.stat(leftover)).rejects.toMatchObject({ code: 'ENOENT' });
    await engine.saveSnapshot();
    expect((await fs.readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    engine.close();
    store.close();
  });

  it('removes what a snapshot writer killed mid-write really left behind', async () => {
    const file = path.join(dir, 'k.db');
    const store = openTrustStore({ path: file });
    const child = spawn(
      process.execPath,
      [fileURLToPath(new URL('./fixtures/snapshot-writer-child.mjs', import.meta.url)), `${file}.idx`],
      { stdio: 'ignore' },
    );
    const closed = new Promise((resolve) => child.once('close', resolve));
    const temps = async () => (await fs.readdir(dir)).filter((name) => /^\.k\.db\.idx\..+\.tmp$/.test(name));
    for (let i = 0; i < 2000 && (await temps()).length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    await closed;
    expect(await temps()).toHaveLength(1);
    const engine = openTrustEngine(store);
    expect(await temps()).toEqual([]);
    engine.close();
    store.close();
  }, 30_000);
});
