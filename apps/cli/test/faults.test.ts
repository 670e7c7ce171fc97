// Faults a user's machine throws at `aip`: racing `init --force` runs, a read-only $AIP_HOME, a FIFO
// where the key file should be. Keys are never lost, errors name the real cause, nothing hangs.
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AIP_BIN, killChildren, runAip, runCommand, tempDir } from './run-aip.js';

let dir: string;
let cleanup: () => Promise<void>;
let home: string;
let env: Record<string, string | undefined>;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('aip-faults-'));
  home = path.join(dir, 'home');
  env = { AIP_HOME: home, AIP_PASSPHRASE: undefined };
});
afterEach(async () => {
  killChildren();
  await cleanup();
});

const posix = process.platform !== 'win32';
const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;
// Someone to vouch for.
const OTHER = 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp';
// Root reads and writes anything: a read-only home is simulated by running as nobody.
const canDropPrivileges = posix && isRoot;
const unshare = posix && isRoot && spawnSync('unshare', ['-m', 'true']).status === 0;

/** Every identity file in `home` (live and backups), by did. */
async function storedDids(): Promise<Set<string>> {
  const dids = new Set<string>();
  for (const name of await fs.readdir(home)) {
    if (!name.endsWith('.json') && !name.endsWith('.bak')) continue;
    dids.add(JSON.parse(await fs.readFile(path.join(home, name), 'utf8')).did);
  }
  return dids;
}

describe('racing aip init --force', () => {
  it('never loses a key: every identity reported as created is live or backed up', async () => {
    expect((await runAip(['init', '--json'], { env })).code).toBe(0);
    const runs = await Promise.all(Array.from({ length: 40 }, () => runAip(['init', '--force', '--json'], { env })));
    const created = runs.filter((run) => run.code === 0).map((run) => JSON.parse(run.stdout).did as string);
    expect(created.length).toBe(runs.length);
    const stored = await storedDids();
    for (const did of created) expect(stored.has(did), did).toBe(true);
    expect((await fs.readdir(home)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    // The live file is intact and usable.
    expect((await runAip(['whoami', '--json'], { env })).code).toBe(0);
  }, 120_000);
});

describe('a key file that is not a regular file', () => {
  it.runIf(posix)('whoami refuses a FIFO at once instead of waiting for a writer', async () => {
    await fs.mkdir(home, { mode: 0o700 });
    expect(spawnSync('mkfifo', [path.join(home, 'identity.json')]).status).toBe(0);
    const started = Date.now();
    const whoami = await runAip(['whoami', '--json'], { env });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(whoami.code).toBe(2);
    expect(JSON.parse(whoami.stdout).error).toMatchObject({
      code: 'aip_keystore_unavailable',
      message: expect.stringContaining('is a FIFO, not a regular file'),
    });
    const sign = await runAip(['sign', '-'], { env, input: 'x' });
    expect(sign.code).toBe(2);
    expect(sign.stderr).toContain('is a FIFO, not a regular file');
  });
});

/** Runs `aip` as an unprivileged user, whatever user the tests run as. */
function runUnprivileged(args: string[], input?: string) {
  const options = input === undefined ? { env } : { env, input };
  if (!canDropPrivileges) return runAip(args, options);
  return runCommand(
    'setpriv',
    [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, AIP_BIN, ...args],
    options,
  );
}

describe('a read-only $AIP_HOME', () => {
  it.runIf(posix && (canDropPrivileges || !isRoot))(
    'every command that writes names EACCES, and reading commands still work',
    async () => {
      await fs.mkdir(dir, { recursive: true });
      await fs.chmod(dir, 0o755);
      expect((await runAip(['init', '--name', 'reader', '--json'], { env })).code).toBe(0);
      await fs.writeFile(path.join(dir, 'content.txt'), 'signed content');
      await fs.chmod(path.join(dir, 'content.txt'), 0o644);
      if (canDropPrivileges) {
        for (const file of [home, path.join(home, 'identity.json')]) await fs.chown(file, NOBODY, NOBODY);
      }
      await fs.chmod(home, 0o500);
      const me = JSON.parse((await runUnprivileged(['whoami', '--json'])).stdout);
      expect(me.name).toBe('reader');
      expect((await runUnprivileged(['sign', path.join(dir, 'content.txt')])).code).toBe(0);

      const writers: [string[], string][] = [
        [['init', '--force', '--json'], 'aip_keystore_unavailable'],
        [['vouch', OTHER, '--scope', 'tool:search', '--json'], 'aip_store_unavailable'],
        [['trust', 'score', me.did, '--json'], 'aip_store_unavailable'],
        [
          ['trust', 'export', path.join(home, 'out.jsonl'), '--db', path.join(dir, 'other.db'), '--json'],
          'aip_store_unavailable',
        ],
        [
          ['sign', path.join(dir, 'content.txt'), '--out', path.join(home, 'content.sig'), '--json'],
          'aip_output_unwritable',
        ],
      ];
      for (const [args, code] of writers) {
        const run = await runUnprivileged(args);
        expect(run.code, args.join(' ')).toBe(2);
        const error = JSON.parse(run.stdout).error;
        expect(error.code, args.join(' ')).toBe(code);
        expect(error.message, args.join(' ')).toMatch(/EACCES/);
      }
      // The refused init left the identity as it was.
      expect(JSON.parse((await runUnprivileged(['whoami', '--json'])).stdout).did).toBe(me.did);
    },
    60_000,
  );

  it.runIf(unshare)('names EROFS on a read-only mount', async () => {
    expect((await runAip(['init', '--name', 'ro', '--json'], { env })).code).toBe(0);
    // A private mount namespace: the read-only bind mount is seen by this one command only.
    const underReadOnly = (args: string[]) =>
      runCommand(
        'unshare',
        [
          '-m',
          'sh',
          '-c',
          'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && exec "$@"',
          home,
          process.execPath,
          AIP_BIN,
          ...args,
        ],
        { env },
      );
    for (const [args, code] of [
      [['init', '--force', '--json'], 'aip_keystore_unavailable'],
      [['vouch', OTHER, '--scope', 'tool:search', '--json'], 'aip_store_unavailable'],
    ] as [string[], string][]) {
      const run = await underReadOnly(args);
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(2);
      expect(JSON.parse(run.stdout).error).toMatchObject({ code, message: expect.stringContaining('EROFS') });
    }
    expect((await underReadOnly(['whoami', '--json'])).code).toBe(0);
  });
});
