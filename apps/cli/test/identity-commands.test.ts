import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasScript, killChildren, runAip, runAipInTerminal, tempDir } from './run-aip.js';

let dir: string;
let cleanup: () => Promise<void>;
let env: Record<string, string | undefined>;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('aip-cli-'));
  env = { AIP_HOME: path.join(dir, 'home'), AIP_PASSPHRASE: undefined };
});
afterEach(async () => {
  killChildren();
  await cleanup();
});

const posix = process.platform !== 'win32';

describe('aip init / whoami', () => {
  it('records a self-asserted platform claim and shows it as unverified', async () => {
    const init = await runAip(['init', '--name', 'scout', '--platform', 'github/myrepo', '--json'], { env });
    expect(init.code).toBe(0);
    expect(JSON.parse(init.stdout)).toMatchObject({ platform: 'github/myrepo', platform_verified: false });
    const whoami = await runAip(['whoami'], { env });
    expect(whoami.stdout).toContain('platform:   github/myrepo (self-asserted, unverified)');
    expect(JSON.parse((await runAip(['whoami', '--json'], { env })).stdout)).toMatchObject({
      platform: 'github/myrepo',
      platform_verified: false,
    });
    expect((await runAip(['whoami', '--did'], { env })).stdout).toBe(`${JSON.parse(init.stdout).did}\n`);
    const bad = await runAip(['init', '--force', '--platform', 'my repo', '--json'], { env });
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error.code).toBe('aip_usage');
  });

  it('mints an identity with a 0600 key file and reports it in whoami --json', async () => {
    const init = await runAip(['init', '--name', 'orchestrator', '--json'], { env });
    expect(init.code).toBe(0);
    const created = JSON.parse(init.stdout);
    expect(created).toMatchObject({ name: 'orchestrator', encrypted: false });
    expect(created.did).toMatch(/^did:key:z6Mk/);
    if (posix) {
      expect((await fs.stat(path.join(dir, 'home', 'identity.json'))).mode & 0o777).toBe(0o600);
      expect((await fs.stat(path.join(dir, 'home'))).mode & 0o777).toBe(0o700);
    }
    const whoami = await runAip(['whoami', '--json'], { env });
    expect(whoami.code).toBe(0);
    const me = JSON.parse(whoami.stdout);
    expect(me).toMatchObject({
      did: created.did,
      aip_id: created.aip_id,
      public_key_multibase: created.public_key_multibase,
      name: 'orchestrator',
    });
    expect(me.aip_id).toMatch(/^aip:key:ed25519:z/);
    expect(me.public_key_multibase).toBe(me.did.slice('did:key:'.length));
  });

  it('prints readable text without --json', async () => {
    await runAip(['init', '--name', 'scout'], { env });
    const whoami = await runAip(['whoami'], { env });
    expect(whoami.stdout).toContain('scout');
    expect(whoami.stdout).toMatch(/did: +did:key:z6Mk/);
  });

  it('refuses to re-init without --force (exit 2) and keeps the key byte for byte', async () => {
    await runAip(['init'], { env });
    const file = path.join(dir, 'home', 'identity.json');
    const before = await fs.readFile(file);
    const again = await runAip(['init', '--json'], { env });
    expect(again.code).toBe(2);
    expect(JSON.parse(again.stdout)).toEqual({
      error: { code: 'aip_identity_exists', message: expect.stringContaining('--force') },
    });
    expect(await fs.readFile(file)).toEqual(before);
  });

  it('replaces with --force and keeps a backup of the old key', async () => {
    const first = JSON.parse((await runAip(['init', '--json'], { env })).stdout);
    const before = await fs.readFile(path.join(dir, 'home', 'identity.json'));
    const forced = await runAip(['init', '--force', '--json'], { env });
    expect(forced.code).toBe(0);
    const second = JSON.parse(forced.stdout);
    expect(second.did).not.toBe(first.did);
    expect(await fs.readFile(second.backup)).toEqual(before);
  });

  it('fails whoami with exit 2 and a clear message when there is no identity', async () => {
    const result = await runAip(['whoami'], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('aip init');
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('reports a corrupt identity file instead of minting a new one', async () => {
    await fs.mkdir(path.join(dir, 'home'), { recursive: true });
    await fs.writeFile(path.join(dir, 'home', 'identity.json'), '{"type":"aip-identity/1"', { mode: 0o600 });
    const result = await runAip(['whoami', '--json'], { env });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout).error.code).toBe('aip_keystore_corrupt');
    expect((await runAip(['init'], { env })).code).toBe(2);
  });
});

describe('aip sign / verify', () => {
  let file: string;
  beforeEach(async () => {
    await runAip(['init'], { env });
    file = path.join(dir, 'report.txt');
    await fs.writeFile(file, 'quarterly numbers\n');
  });

  it('round-trips a file signature (exit 0) and names the signer', async () => {
    const sig = path.join(dir, 'report.sig');
    const signed = await runAip(['sign', file, '--out', sig, '--json'], { env });
    expect(signed.code).toBe(0);
    const me = JSON.parse((await runAip(['whoami', '--json'], { env })).stdout);
    expect(JSON.parse(signed.stdout)).toMatchObject({ out: sig, signer: me.did, size: 18 });
    const verified = await runAip(['verify', sig, file, '--json'], { env });
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ valid: true, signer: me.did, size: 18 });
    expect((await runAip(['verify', sig, file, '--signer', me.aip_id], { env })).code).toBe(0);
  });

  it('signs stdin to stdout and verifies content piped on stdin', async () => {
    const signed = await runAip(['sign'], { env, input: 'piped content' });
    expect(signed.code).toBe(0);
    const sig = path.join(dir, 'stdin.sig');
    await fs.writeFile(sig, signed.stdout);
    expect((await runAip(['verify', sig, '-'], { env, input: 'piped content' })).code).toBe(0);
    expect((await runAip(['verify', sig], { env, input: 'piped contenT' })).code).toBe(1);
  });

  it('fails with exit 1 on a tampered file', async () => {
    const sig = path.join(dir, 'report.sig');
    await runAip(['sign', file, '--out', sig], { env });
    await fs.appendFile(file, 'one more line\n');
    const result = await runAip(['verify', sig, file, '--json'], { env });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ valid: false, code: 'aip_signature_invalid' });
    const text = await runAip(['verify', sig, file], { env });
    expect(text.stdout).toMatch(/^invalid: /);
  });

  it('fails with exit 1 on a tampered signature or the wrong required signer', async () => {
    const sig = path.join(dir, 'report.sig');
    await runAip(['sign', file, '--out', sig], { env });
    const envelope = JSON.parse(await fs.readFile(sig, 'utf8'));
    await fs.writeFile(sig, JSON.stringify({ ...envelope, iat: envelope.iat + 1 }));
    expect((await runAip(['verify', sig, file], { env })).code).toBe(1);
    await fs.writeFile(sig, JSON.stringify(envelope));
    const other = 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp';
    expect((await runAip(['verify', sig, file, '--signer', other], { env })).code).toBe(1);
    await fs.writeFile(sig, 'garbage');
    const garbage = await runAip(['verify', sig, file, '--json'], { env });
    expect(garbage.code).toBe(1);
    expect(JSON.parse(garbage.stdout).code).toBe('aip_signature_malformed');
  });

  it('never overwrites --out without --force', async () => {
    const sig = path.join(dir, 'report.sig');
    await fs.writeFile(sig, 'precious');
    const result = await runAip(['sign', file, '--out', sig, '--json'], { env });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout).error.code).toBe('aip_output_exists');
    expect(await fs.readFile(sig, 'utf8')).toBe('precious');
    expect((await runAip(['sign', file, '--out', sig, '--force'], { env })).code).toBe(0);
  });

  it('reports unreadable input with exit 2', async () => {
    const missing = await runAip(['sign', path.join(dir, 'nope.txt'), '--json'], { env });
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout).error).toMatchObject({ code: 'aip_input_unreadable' });
    expect((await runAip(['verify', path.join(dir, 'nope.sig'), file], { env })).code).toBe(2);
  });
});

describe('encrypted identities', () => {
  it('round-trips with AIP_PASSPHRASE and refuses a wrong or missing one (exit 2)', async () => {
    const withPass = { ...env, AIP_PASSPHRASE: 'open sesame' };
    const init = await runAip(['init', '--encrypt', '--json'], { env: withPass });
    expect(init.code).toBe(0);
    expect(JSON.parse(init.stdout).encrypted).toBe(true);
    const raw = await fs.readFile(path.join(dir, 'home', 'identity.json'), 'utf8');
    expect(raw).not.toContain('open sesame');

    // whoami needs no passphrase
    expect(JSON.parse((await runAip(['whoami', '--json'], { env })).stdout).encrypted).toBe(true);

    const file = path.join(dir, 'doc.txt');
    await fs.writeFile(file, 'x');
    const signed = await runAip(['sign', file], { env: withPass });
    expect(signed.code).toBe(0);
    const sig = path.join(dir, 'doc.sig');
    await fs.writeFile(sig, signed.stdout);
    expect((await runAip(['verify', sig, file], { env })).code).toBe(0);

    const wrong = await runAip(['sign', file, '--json'], { env: { ...env, AIP_PASSPHRASE: 'open says me' } });
    expect(wrong.code).toBe(2);
    expect(JSON.parse(wrong.stdout).error.code).toBe('aip_passphrase_invalid');
    expect(wrong.stdout).not.toContain('open says me');

    const missing = await runAip(['sign', file, '--json'], { env });
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout).error.code).toBe('aip_passphrase_required');

    // A wrong passphrase never leads to a new identity: the file is unchanged.
    expect(await fs.readFile(path.join(dir, 'home', 'identity.json'), 'utf8')).toBe(raw);
  });

  it('refuses --encrypt without any passphrase source', async () => {
    const result = await runAip(['init', '--encrypt', '--json'], { env });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout).error.code).toBe('aip_passphrase_required');
    await expect(fs.access(path.join(dir, 'home', 'identity.json'))).rejects.toThrow();
  });
});

describe('aip did resolve', () => {
  it('resolves a did:key (and the same key given as aip:key) to its document', async () => {
    const did = 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp';
    const result = await runAip(['did', 'resolve', did, '--json'], { env });
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout);
    expect(parsed.didDocument.id).toBe(did);
    expect(parsed.didDocument.verificationMethod[0].publicKeyBase58).toBe(
      '4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS',
    );
    const text = await runAip(['did', 'resolve', did], { env });
    expect(JSON.parse(text.stdout).id).toBe(did);
  });

  it('exits 1 with aip_identity_unresolvable for non-Ed25519 or malformed DIDs', async () => {
    for (const did of [
      'did:key:z6LShs9GGnqk85isEBzzshkuVWrVKsRp24GnDuHk8QWkARMW',
      'did:key:zzz',
      'did:web:example.com',
    ]) {
      const result = await runAip(['did', 'resolve', did, '--json'], { env });
      expect(result.code, did).toBe(1);
      expect(JSON.parse(result.stdout).error.code).toBe('aip_identity_unresolvable');
    }
  });

  it('exits 1 with aip_key_invalid for a small-order key', async () => {
    // did:key of the identity point (0x01 00..00): decodes, but no signature from it means anything.
    const did = 'did:key:z6MkeXATEjyXENzBXBxgC5EHk2JE5aqd7qMGGtDpLUH1e2Sj';
    const result = await runAip(['did', 'resolve', did, '--json'], { env });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).error.code).toBe('aip_key_invalid');
  });
});

describe('usage', () => {
  it('exits 2 on unknown commands and options, 0 on --help and --version', async () => {
    expect((await runAip(['frobnicate'], { env })).code).toBe(2);
    const json = await runAip(['whoami', '--bogus', '--json'], { env });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout).error.code).toBe('aip_usage');
    expect((await runAip(['--help'], { env })).code).toBe(0);
    expect((await runAip(['--version'], { env })).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe.runIf(hasScript)('passphrase prompt on a terminal', () => {
  it('asks twice on init --encrypt without echoing, then unlocks for sign', async () => {
    const init = await runAipInTerminal(['init', '--encrypt', '--json'], ['tty secret', 'tty secret'], env);
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('Repeat passphrase');
    expect(init.stdout).not.toContain('tty secret');
    const file = path.join(dir, 'doc.txt');
    await fs.writeFile(file, 'signed on a terminal');
    const signed = await runAipInTerminal(['sign', file, '--out', path.join(dir, 'doc.sig')], ['tty secret'], env);
    expect(signed.code).toBe(0);
    expect((await runAip(['verify', path.join(dir, 'doc.sig'), file], { env })).code).toBe(0);
    const wrong = await runAipInTerminal(['sign', file], ['not it'], env);
    expect(wrong.code).toBe(2);
    expect(wrong.stdout).toContain('wrong passphrase');
  });

  it('refuses mismatched confirmation', async () => {
    const init = await runAipInTerminal(['init', '--encrypt'], ['one', 'two'], env);
    expect(init.code).toBe(2);
    expect(init.stdout).toContain('do not match');
  });
});
