// aip init / rotate / identity revoke / identity log: pre-rotation through the real command (DESIGN §11).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { killChildren, runAip, tempDir } from './run-aip.js';

let dir: string;
let cleanup: () => Promise<void>;
let env: Record<string, string | undefined>;
let home: string;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('aip-lifecycle-'));
  home = path.join(dir, 'home');
  env = { AIP_HOME: home, AIP_PASSPHRASE: undefined };
});
afterEach(async () => {
  killChildren();
  await cleanup();
});

const posix = process.platform !== 'win32';
const json = async (args: string[]) => {
  const run = await runAip([...args, '--json'], { env });
  return { code: run.code, value: JSON.parse(run.stdout) as Record<string, unknown>, stderr: run.stderr };
};
const readKeyFile = async (file: string) => JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;

describe('aip init with a recovery key', () => {
  it('writes the next key to its own 0600 recovery file, with an instruction, and stores the inception', async () => {
    const init = await json(['init']);
    expect(init.code).toBe(0);
    const recoveryFile = path.join(home, 'recovery.json');
    expect(init.value).toMatchObject({ recovery_file: recoveryFile });
    const recovery = await readKeyFile(recoveryFile);
    expect(recovery.did).not.toBe(init.value.did);
    expect(recovery.note).toMatch(/^Keep this file offline/);
    if (posix) expect((await fs.stat(recoveryFile)).mode & 0o777).toBe(0o600);
    const log = await json(['identity', 'log']);
    expect(log.value).toMatchObject({
      root: init.value.did,
      current: init.value.did,
      next_committed: true,
      frozen: false,
      keys: [{ did: init.value.did, status: 'current' }],
    });
  });

  it('refuses to replace a recovery file without --force, and keeps backups with --force', async () => {
    const other = path.join(dir, 'usb', 'recovery.json');
    expect((await json(['init', '--recovery-file', other])).code).toBe(0);
    const before = await fs.readFile(other, 'utf8');
    await fs.rm(path.join(home, 'identity.json'));
    const again = await json(['init', '--recovery-file', other]);
    expect(again.code).toBe(2);
    expect(again.value).toMatchObject({ error: { code: 'aip_identity_exists' } });
    expect(await fs.readFile(other, 'utf8')).toBe(before);
    const forced = await json(['init', '--recovery-file', other, '--force']);
    expect(forced.code).toBe(0);
    expect(await fs.readFile(forced.value.recovery_backup as string, 'utf8')).toBe(before);
  });

  it('encrypts the recovery file with the identity passphrase', async () => {
    env.AIP_PASSPHRASE = 'correct horse battery';
    expect((await json(['init', '--encrypt'])).code).toBe(0);
    const recovery = await readKeyFile(path.join(home, 'recovery.json'));
    expect(JSON.stringify(recovery.secret_key)).toContain('cipher');
    const rotated = await json(['rotate']);
    expect(rotated.code).toBe(0);
    expect(rotated.value.did).toBe(recovery.did);
    env.AIP_PASSPHRASE = 'wrong';
    expect((await json(['rotate'])).value).toMatchObject({ error: { code: 'aip_passphrase_invalid' } });
  });
});

describe('aip rotate', () => {
  it('promotes the recovery key, commits to a new one, and keeps the old files as backups', async () => {
    const init = await json(['init', '--name', 'scout']);
    const recoveryFile = path.join(home, 'recovery.json');
    const recoveryDid = (await readKeyFile(recoveryFile)).did;
    const rotated = await json(['rotate']);
    expect(rotated.code).toBe(0);
    expect(rotated.value).toMatchObject({ did: recoveryDid, prior: init.value.did, recovery_file: recoveryFile });
    expect((await json(['whoami'])).value).toMatchObject({ did: recoveryDid, name: 'scout' });
    const next = await readKeyFile(recoveryFile);
    expect(next.did).not.toBe(recoveryDid);
    if (posix) expect((await fs.stat(recoveryFile)).mode & 0o777).toBe(0o600);
    expect((await readKeyFile(rotated.value.backup as string)).did).toBe(init.value.did);
    expect((await readKeyFile(rotated.value.recovery_backup as string)).did).toBe(recoveryDid);
    const log = await json(['identity', 'log', init.value.did as string]);
    expect(log.value).toMatchObject({
      root: init.value.did,
      current: recoveryDid,
      next_committed: true,
      keys: [
        { did: init.value.did, status: 'rotated' },
        { did: recoveryDid, status: 'current' },
      ],
    });
    // And again, with the new recovery file.
    expect((await json(['rotate'])).value).toMatchObject({ did: next.did, prior: recoveryDid });
  });

  it('needs the recovery file, and never lets --out replace a file without --force', async () => {
    await json(['init']);
    const taken = path.join(dir, 'taken.json');
    await fs.writeFile(taken, 'mine');
    const refused = await json(['rotate', '--out', taken]);
    expect(refused.value).toMatchObject({ error: { code: 'aip_output_exists' } });
    expect(await fs.readFile(taken, 'utf8')).toBe('mine');
    await fs.rm(path.join(home, 'recovery.json'));
    const missing = await json(['rotate']);
    expect(missing.code).toBe(2);
    expect(missing.value).toMatchObject({ error: { code: 'aip_identity_missing' } });
  });

  it('refuses a recovery file holding a key the identity never committed to', async () => {
    await json(['init']);
    const stranger = path.join(dir, 'stranger');
    await runAip(['init', '--json'], { env: { ...env, AIP_HOME: stranger } });
    const refused = await json(['rotate', '--recovery-file', path.join(stranger, 'identity.json')]);
    expect(refused.code).toBe(2);
    expect(refused.value).toMatchObject({ error: { code: 'aip_key_event_unauthorized' } });
  });
});

describe('aip identity revoke', () => {
  it('revokes the working key with the recovery key, with a reason; rotating then continues the identity', async () => {
    const init = await json(['init']);
    const revoked = await json(['identity', 'revoke', '--reason', 'laptop stolen']);
    expect(revoked.value).toMatchObject({ revoked: init.value.did, signed_by: 'recovery' });
    expect((await json(['identity', 'log'])).value).toMatchObject({
      keys: [{ did: init.value.did, status: 'revoked', cause: 'revoked', reason: 'laptop stolen' }],
    });
    const rotated = await json(['rotate']);
    expect(rotated.code).toBe(0);
    expect((await json(['identity', 'log', rotated.value.did as string])).value).toMatchObject({
      current: rotated.value.did,
      keys: [{ status: 'revoked' }, { status: 'current' }],
    });
  });

  it('revokes with the working key itself when told to (or when no recovery file is at hand)', async () => {
    await json(['init']);
    expect((await json(['identity', 'revoke', '--self'])).value).toMatchObject({ signed_by: 'self' });
    const bad = await json(['identity', 'revoke', '--reason', 'a\u0007b']);
    expect(bad.value).toMatchObject({ error: { code: 'aip_usage' } });
  });
});
