import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportSecretKey, generateIdentity } from '../src/index.js';
import {
  defaultAipHome,
  identityExists,
  loadIdentity,
  RECOVERY_FILE,
  readIdentityInfo,
  saveIdentity,
} from '../src/node.js';

// Low scrypt cost keeps the suite fast; one test below uses the production default.
const scrypt = { N: 2 ** 10, r: 8, p: 1 };
const posix = process.platform !== 'win32';
let home: string;

beforeEach(async () => {
  home = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'aip-keystore-')), 'home');
});
afterEach(async () => {
  await fs.rm(path.dirname(home), { recursive: true, force: true });
});

describe('key store', () => {
  it('resolves $AIP_HOME, else ~/.aip', () => {
    expect(defaultAipHome({ AIP_HOME: '/tmp/x' })).toBe('/tmp/x');
    expect(defaultAipHome({})).toBe(path.join(os.homedir(), '.aip'));
  });

  it('saves with 0600 file and 0700 directory, and loads the same identity', async () => {
    const agent = generateIdentity();
    const { path: file } = await saveIdentity(agent, { home, name: 'orchestrator' });
    if (posix) {
      expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
      expect((await fs.stat(home)).mode & 0o777).toBe(0o700);
    }
    const { identity, info } = await loadIdentity({ home });
    expect(identity.did).toBe(agent.did);
    expect(info).toMatchObject({ name: 'orchestrator', encrypted: false, did: agent.did, aipId: agent.aipId });
    expect(await fs.readdir(home)).toEqual(['identity.json']); // no temp files left behind
  });

  it('refuses to overwrite without force and keeps the file byte for byte', async () => {
    await saveIdentity(generateIdentity(), { home });
    const before = await fs.readFile(path.join(home, 'identity.json'));
    await expect(saveIdentity(generateIdentity(), { home })).rejects.toMatchObject({ code: 'aip_identity_exists' });
    expect(await fs.readFile(path.join(home, 'identity.json'))).toEqual(before);
  });

  it('lets exactly one of two racing saves win', async () => {
    const results = await Promise.allSettled([
      saveIdentity(generateIdentity(), { home }),
      saveIdentity(generateIdentity(), { home }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'aip_identity_exists' } });
  });

  it('with force, replaces the identity and keeps a timestamped 0600 backup', async () => {
    const first = generateIdentity();
    await saveIdentity(first, { home });
    const before = await fs.readFile(path.join(home, 'identity.json'));
    const now = new Date('2026-11-22T03:17:00.123Z');
    const { backupPath } = await saveIdentity(generateIdentity(), { home, force: true, now });
    expect(path.basename(backupPath ?? '')).toMatch(/^identity-20261122T031700Z-[0-9a-f]{8}\.json\.bak$/);
    expect(await fs.readFile(backupPath as string)).toEqual(before);
    if (posix) expect((await fs.stat(backupPath as string)).mode & 0o777).toBe(0o600);
    const second = await saveIdentity(generateIdentity(), { home, force: true, now });
    expect(second.backupPath).not.toBe(backupPath);
    expect(await fs.readFile(backupPath as string)).toEqual(before);
  });

  it('never loses a key when forced saves race: each one is stored or backed up', async () => {
    await saveIdentity(generateIdentity(), { home });
    const agents = Array.from({ length: 24 }, () => generateIdentity());
    const now = new Date('2026-11-22T03:17:00Z'); // the same stamp for all: names must still differ
    await Promise.all(agents.map((agent) => saveIdentity(agent, { home, force: true, now })));
    const kept = new Set<string>();
    for (const name of await fs.readdir(home)) {
      kept.add(JSON.parse(await fs.readFile(path.join(home, name), 'utf8')).did);
    }
    for (const agent of agents) expect(kept.has(agent.did)).toBe(true);
    expect(kept.size).toBe(agents.length + 1);
    expect((await fs.readdir(home)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('stores a self-asserted platform claim and refuses a malformed one', async () => {
    await saveIdentity(generateIdentity(), { home, name: 'scout', platform: 'github/myrepo' });
    expect((await readIdentityInfo({ home })).platform).toBe('github/myrepo');
    await expect(saveIdentity(generateIdentity(), { home, force: true, platform: 'my repo' })).rejects.toThrow(
      RangeError,
    );
    expect((await readIdentityInfo({ home })).platform).toBe('github/myrepo');
    const other = path.join(path.dirname(home), 'other');
    await saveIdentity(generateIdentity(), { home: other });
    expect((await readIdentityInfo({ home: other })).platform).toBeNull();
  });

  it.runIf(posix)('refuses an identity.json that is a FIFO instead of waiting for a writer', async () => {
    await fs.mkdir(home, { recursive: true });
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkfifo', [path.join(home, 'identity.json')]);
    await expect(readIdentityInfo({ home })).rejects.toMatchObject({
      code: 'aip_keystore_unavailable',
      message: expect.stringContaining('a FIFO, not a regular file'),
    });
    await expect(loadIdentity({ home })).rejects.toMatchObject({ code: 'aip_keystore_unavailable' });
  });

  it('refuses an identity.json that is a directory, naming what it is', async () => {
    await fs.mkdir(path.join(home, 'identity.json'), { recursive: true });
    await expect(readIdentityInfo({ home })).rejects.toMatchObject({
      code: 'aip_keystore_unavailable',
      message: expect.stringContaining('a directory'),
    });
  });

  it('names the cause when the home cannot be created', async () => {
    const blocker = path.join(path.dirname(home), 'blocker');
    await fs.writeFile(blocker, 'not a directory');
    await expect(saveIdentity(generateIdentity(), { home: path.join(blocker, 'home') })).rejects.toMatchObject({
      code: 'aip_keystore_unavailable',
      message: expect.stringMatching(/ENOTDIR|EEXIST/),
    });
  });

  it.runIf(posix)('takes group and other permissions off an existing home, never adding any', async () => {
    await fs.mkdir(home, { mode: 0o755 });
    await fs.chmod(home, 0o755);
    await saveIdentity(generateIdentity(), { home });
    expect((await fs.stat(home)).mode & 0o777).toBe(0o700);
  });

  it('encrypts at rest and round-trips with the passphrase', async () => {
    const agent = generateIdentity();
    await saveIdentity(agent, { home, passphrase: 'correct horse', scrypt });
    const raw = await fs.readFile(path.join(home, 'identity.json'), 'utf8');
    expect(raw).toContain('aes-256-gcm');
    expect((await readIdentityInfo({ home })).encrypted).toBe(true);
    const { identity } = await loadIdentity({ home, passphrase: 'correct horse' });
    expect(identity.did).toBe(agent.did);
    const asked = await loadIdentity({ home, passphrase: async () => 'correct horse' });
    expect(asked.identity.did).toBe(agent.did);
  });

  it('encrypts with the production scrypt cost by default', async () => {
    await saveIdentity(generateIdentity(), { home, passphrase: 'pw' });
    const file = JSON.parse(await fs.readFile(path.join(home, 'identity.json'), 'utf8'));
    expect(file.secret_key.kdf).toMatchObject({ name: 'scrypt', N: 131072, r: 8, p: 1 });
    expect((await loadIdentity({ home, passphrase: 'pw' })).info.encrypted).toBe(true);
  }, 60_000); // two derivations at the production cost (~0.3 s each idle, several seconds under a parallel suite)

  it('fails clearly on a wrong or missing passphrase, never minting a new identity', async () => {
    await saveIdentity(generateIdentity(), { home, passphrase: 'right', scrypt });
    const before = await fs.readFile(path.join(home, 'identity.json'));
    await expect(loadIdentity({ home, passphrase: 'wrong' })).rejects.toMatchObject({ code: 'aip_passphrase_invalid' });
    await expect(loadIdentity({ home })).rejects.toMatchObject({ code: 'aip_passphrase_required' });
    expect(await fs.readFile(path.join(home, 'identity.json'))).toEqual(before);
  });

  it('reports a missing identity', async () => {
    expect(await identityExists({ home })).toBe(false);
    await expect(loadIdentity({ home })).rejects.toMatchObject({ code: 'aip_identity_missing' });
    await expect(readIdentityInfo({ home })).rejects.toMatchObject({ code: 'aip_identity_missing' });
  });

  it('reports corrupt files as aip_keystore_corrupt', async () => {
    const file = path.join(home, 'identity.json');
    await saveIdentity(generateIdentity(), { home });
    const good = JSON.parse(await fs.readFile(file, 'utf8'));
    const other = JSON.parse(JSON.stringify(good));
    const stranger = generateIdentity();
    const corruptions: unknown[] = [
      '{"truncated": ',
      { ...good, type: 'something-else' },
      { ...good, did: 'did:key:zNope' },
      { ...good, did: stranger.did }, // identifiers disagree
      { ...other, secret_key: { encoding: 'base64url', value: 'AAAA' } },
      { ...other, secret_key: { encoding: 'base64url', value: Buffer.alloc(32, 1).toString('base64url') } }, // wrong key for the did
      { ...other, secret_key: { cipher: 'aes-256-gcm', kdf: { name: 'scrypt', N: 2 ** 30, r: 8, p: 1, salt: 'x' } } },
    ];
    for (const content of corruptions) {
      await fs.writeFile(file, typeof content === 'string' ? content : JSON.stringify(content), { mode: 0o600 });
      await expect(loadIdentity({ home, passphrase: 'x' }), JSON.stringify(content).slice(0, 80)).rejects.toMatchObject(
        { code: 'aip_keystore_corrupt' },
      );
    }
  });

  it.runIf(posix)('refuses a key file readable by others', async () => {
    const { path: file } = await saveIdentity(generateIdentity(), { home });
    await fs.chmod(file, 0o644);
    await expect(loadIdentity({ home })).rejects.toMatchObject({ code: 'aip_keystore_permissions' });
    expect((await readIdentityInfo({ home })).permissionsOk).toBe(false);
  });

  it('never writes the passphrase or the plain secret into an encrypted file', async () => {
    const agent = generateIdentity();
    await saveIdentity(agent, { home, passphrase: 'hunter2-passphrase', scrypt });
    const raw = await fs.readFile(path.join(home, 'identity.json'), 'utf8');
    expect(raw).not.toContain('hunter2');
    expect(raw).not.toContain(Buffer.from(exportSecretKey(agent)).toString('base64url'));
  });
});

describe('key files other than identity.json (the recovery file)', () => {
  it('keeps a second key in its own 0600 file, encrypted, with its note, never touching identity.json', async () => {
    const working = generateIdentity();
    const recovery = generateIdentity();
    await saveIdentity(working, { home });
    const note = 'Keep this file offline: it is the only key that can rotate or revoke your identity.';
    const { path: file } = await saveIdentity(recovery, { home, file: RECOVERY_FILE, passphrase: 'pw', note, scrypt });
    expect(file).toBe(path.join(home, RECOVERY_FILE));
    if (posix) expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await fs.readFile(file, 'utf8'))).toMatchObject({ did: recovery.did, note });
    expect((await loadIdentity({ home, file: RECOVERY_FILE, passphrase: 'pw' })).identity.did).toBe(recovery.did);
    expect((await loadIdentity({ home })).identity.did).toBe(working.did);
    await expect(saveIdentity(generateIdentity(), { home, file: RECOVERY_FILE })).rejects.toMatchObject({
      code: 'aip_identity_exists',
    });
  });

  it('backs a replaced recovery file up under its own name', async () => {
    await saveIdentity(generateIdentity(), { home, file: RECOVERY_FILE });
    const { backupPath } = await saveIdentity(generateIdentity(), { home, file: RECOVERY_FILE, force: true });
    expect(path.basename(backupPath ?? '')).toMatch(/^recovery-\d{8}T\d{6}Z-[0-9a-f]{8}\.json\.bak$/);
  });

  it('writes to an absolute path outside the home (removable media)', async () => {
    const outside = path.join(path.dirname(home), 'usb', 'agent-recovery.json');
    const recovery = generateIdentity();
    await saveIdentity(recovery, { home, file: outside });
    expect((await readIdentityInfo({ home, file: outside })).did).toBe(recovery.did);
  });
});
