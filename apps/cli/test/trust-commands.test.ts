import { promises as fs } from 'node:fs';
import path from 'node:path';
import { encodeBase64Url, generateIdentity, type Identity, signJson } from '@aip/identity';
import { canonicalWithId, openTrustStore, VOUCH_TYPE, type Vouch } from '@aip/trust';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasScript, killChildren, runAip, runAipInTerminal, tempDir } from './run-aip.js';

let dir: string;
let cleanup: () => Promise<void>;
type Env = Record<string, string | undefined>;
const homes: Record<string, Env> = {};
const dids: Record<string, string> = {};

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('aip-trust-cli-'));
  for (const name of ['alice', 'bob', 'carol']) {
    homes[name] = { AIP_HOME: path.join(dir, name), AIP_PASSPHRASE: undefined };
    const init = await runAip(['init', '--name', name, '--json'], { env: homes[name] as Env });
    dids[name] = JSON.parse(init.stdout).did;
  }
});
afterEach(async () => {
  killChildren();
  await cleanup();
});

const as = (name: string, args: string[]) => runAip(args, { env: homes[name] as Env });

describe('aip vouch / trust score / trust path', () => {
  it('scores a chain from the local identity with {score, corroboration, hops, path}', async () => {
    const v1 = await as('alice', ['vouch', dids.bob as string, '--scope', 'tool:search', '--weight', '0.9', '--json']);
    expect(v1.code).toBe(0);
    const created = JSON.parse(v1.stdout);
    expect(created.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created.vouch).toMatchObject({
      type: 'aip-vouch/1',
      voucher: dids.alice,
      subject: dids.bob,
      scope: 'tool:search',
      weight: 0.9,
    });
    // Bob's vouch for carol reaches alice's store through an export/import.
    expect((await as('bob', ['vouch', dids.carol as string, '--scope', 'tool:*', '--statement', 'solid'])).code).toBe(
      0,
    );
    const exported = path.join(dir, 'bob.jsonl');
    expect((await as('bob', ['trust', 'export', exported])).code).toBe(0);
    expect((await as('alice', ['trust', 'import', exported, '--json'])).code).toBe(0);

    const score = await as('alice', ['trust', 'score', dids.carol as string, '--scope', 'tool:search', '--json']);
    expect(score.code).toBe(0);
    const result = JSON.parse(score.stdout);
    expect(Object.keys(result)).toEqual(['score', 'corroboration', 'hops', 'path']);
    expect(result).toEqual({ score: 0.72, corroboration: 1, hops: 2, path: [dids.alice, dids.bob, dids.carol] });

    const fromBob = await as('carol', [
      'trust',
      'score',
      dids.carol as string,
      '--from',
      dids.bob as string,
      '--scope',
      'tool:x',
      '--db',
      path.join(dir, 'alice', 'trust.db'),
      '--json',
    ]);
    expect(JSON.parse(fromBob.stdout)).toMatchObject({ score: 1, hops: 1 });

    const evidence = await as('alice', ['trust', 'path', dids.carol as string, '--scope', 'tool:search', '--json']);
    expect(evidence.code).toBe(0);
    const parsed = JSON.parse(evidence.stdout);
    expect(parsed.vouches.map((v: { id: string; scope: string }) => v.scope)).toEqual(['tool:search', 'tool:*']);
    expect(parsed.vouches[0].id).toBe(created.id);

    const text = await as('alice', ['trust', 'score', dids.carol as string, '--scope', 'tool:search']);
    expect(text.stdout).toContain('score 0.72');
    expect(text.stdout).toContain(dids.bob);
  }, 90_000); // a dozen CLI processes in turn: 7 s alone, four times that beside the rest of the suite

  it('exits 1 with score 0 and an empty path when there is no trust path, or in another scope', async () => {
    await as('alice', ['vouch', dids.bob as string, '--scope', 'tool:search']);
    const other = await as('alice', ['trust', 'score', dids.bob as string, '--scope', 'tool:delete', '--json']);
    expect(other.code).toBe(1);
    expect(JSON.parse(other.stdout)).toEqual({ score: 0, corroboration: 0, hops: 0, path: [] });
    const stranger = await as('alice', ['trust', 'path', dids.carol as string, '--json']);
    expect(stranger.code).toBe(1);
    expect(JSON.parse(stranger.stdout)).toMatchObject({ score: 0, path: [], vouches: [] });
    expect((await as('alice', ['trust', 'score', dids.carol as string])).stdout).toContain('no trust path');
  });

  it('respects --ttl and --at', async () => {
    await as('alice', ['vouch', dids.bob as string, '--scope', '*', '--ttl', '3600']);
    const now = Math.floor(Date.now() / 1000);
    const soon = await as('alice', ['trust', 'score', dids.bob as string, '--at', String(now + 60), '--json']);
    expect(JSON.parse(soon.stdout).score).toBe(1);
    const later = await as('alice', ['trust', 'score', dids.bob as string, '--at', String(now + 7200), '--json']);
    expect(later.code).toBe(1);
    expect((await as('alice', ['trust', 'score', dids.bob as string, '--at', 'soon'])).code).toBe(2);
  });

  it('refuses bad input with exit 2 and a typed code', async () => {
    const cases: [string[], string][] = [
      [['vouch', dids.bob as string, '--scope', '*', '--weight', '0', '--json'], 'aip_vouch_malformed'],
      [['vouch', dids.bob as string, '--scope', '*', '--weight', 'lots', '--json'], 'aip_usage'],
      [['vouch', dids.bob as string, '--scope', 'tool:café', '--json'], 'aip_scope_invalid'],
      [['vouch', dids.bob as string, '--scope', '*', '--ttl', '-5', '--json'], 'aip_vouch_malformed'],
      [['vouch', dids.alice as string, '--scope', '*', '--json'], 'aip_vouch_malformed'],
      [['vouch', 'did:web:example.com', '--scope', '*', '--json'], 'aip_identity_unresolvable'],
      [['vouch', dids.bob as string, '--json'], 'aip_usage'],
      [['trust', 'score', dids.bob as string, '--scope', 'nope', '--json'], 'aip_scope_invalid'],
    ];
    for (const [args, code] of cases) {
      const result = await as('alice', args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(JSON.parse(result.stdout).error.code, args.join(' ')).toBe(code);
    }
  });
});

describe('aip revoke', () => {
  it('revokes a vouch by id, which then stops counting, and is idempotent', async () => {
    const { id } = JSON.parse((await as('alice', ['vouch', dids.bob as string, '--scope', '*', '--json'])).stdout);
    expect((await as('alice', ['trust', 'score', dids.bob as string])).code).toBe(0);
    const revoked = await as('alice', ['revoke', id, '--json']);
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ vouch: id, revoked: true });
    expect((await as('alice', ['trust', 'score', dids.bob as string])).code).toBe(1);
    expect(JSON.parse((await as('alice', ['revoke', id, '--json'])).stdout)).toMatchObject({ already: true });
  });

  it("refuses an unknown id and someone else's vouch", async () => {
    const unknown = await as('alice', ['revoke', 'A'.repeat(43), '--json']);
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stdout).error.code).toBe('aip_vouch_unknown');
    const { id } = JSON.parse((await as('alice', ['vouch', dids.bob as string, '--scope', '*', '--json'])).stdout);
    const aliceDb = path.join(dir, 'alice', 'trust.db');
    const foreign = await as('bob', ['revoke', id, '--db', aliceDb, '--json']);
    expect(foreign.code).toBe(2);
    expect(JSON.parse(foreign.stdout).error.code).toBe('aip_revocation_unauthorized');
  });

  it('takes an id that starts with "-" as an id, and refuses what is not an id', async () => {
    const dash = await as('alice', ['revoke', `-${'B'.repeat(42)}`, '--json']);
    expect(dash.code).toBe(2);
    expect(JSON.parse(dash.stdout).error.code).toBe('aip_vouch_unknown');
    const option = await as('alice', ['revoke', '--bogus', '--json']);
    expect(option.code).toBe(2);
    expect(JSON.parse(option.stdout).error.code).toBe('aip_usage');
  });
});

describe('aip trust import / export', () => {
  it('reports rejected lines with reasons (exit 1) and keeps the good ones', async () => {
    await as('bob', ['vouch', dids.carol as string, '--scope', '*']);
    const file = path.join(dir, 'mixed.jsonl');
    expect((await as('bob', ['trust', 'export', file])).code).toBe(0);
    // The export holds bob's inception (aip init stores it) and his vouch: the vouch is the good line.
    const good = (await fs.readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .find((line) => line.includes('"type":"aip-vouch/1"')) as string;
    const tampered = JSON.stringify({ ...JSON.parse(good), weight: 0.5 });
    await fs.writeFile(file, `${good}\nnot json\n${tampered}\n`);
    const result = await as('alice', ['trust', 'import', file, '--json']);
    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ lines: 3, accepted: 1, duplicates: 0, rejected: 2 });
    expect(summary.errors).toEqual([
      { line: 2, code: 'aip_object_malformed', message: expect.any(String) },
      { line: 3, code: 'aip_signature_invalid', message: expect.any(String) },
    ]);
    const again = await as('alice', ['trust', 'import', file]);
    expect(again.stdout).toContain('1 already known, 2 rejected');
    expect(again.stdout).toContain('line 3: aip_signature_invalid');
    // Exported from alice (beside her own inception), the accepted object is byte-identical to bob's.
    expect((await as('alice', ['trust', 'export'])).stdout.trim().split('\n')).toContain(good);
  });

  it('reports stored vouches in a scope the grammar now refuses, and refuses such lines', async () => {
    // Vouches as an earlier version signed them: `tool:café` was a vouch scope then.
    const legacy = (from: Identity, subject: string): Vouch => {
      const unsigned = {
        type: VOUCH_TYPE,
        voucher: from.did,
        subject,
        scope: 'tool:café',
        weight: 1,
        iat: Math.floor(Date.now() / 1000) - 60,
        nonce: encodeBase64Url(crypto.getRandomValues(new Uint8Array(16))),
      };
      return { ...unsigned, signature: signJson(from, VOUCH_TYPE, unsigned) } as Vouch;
    };
    const stored = legacy(generateIdentity(), dids.bob as string);
    const store = openTrustStore({ path: path.join(dir, 'alice', 'trust.db') });
    const { canonical, id } = canonicalWithId(stored);
    store.add({ kind: 'vouch', id, vouch: stored, weight: 1, canonical });
    store.close();
    const file = path.join(dir, 'old.jsonl');
    await fs.writeFile(file, `${JSON.stringify(legacy(generateIdentity(), dids.carol as string))}\n`);
    const result = await as('alice', ['trust', 'import', file, '--json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({
      accepted: 0,
      rejectedByCode: { aip_scope_invalid: 1 },
      refusedScopes: [{ scope: 'tool:café', vouches: 1, code: 'aip_scope_invalid' }],
    });
    expect((await as('alice', ['trust', 'import', file])).stdout).toMatch(
      /1 vouch\(es\) in scope tool:café \(aip_scope_invalid\)/,
    );
  });

  it('never overwrites an export file without --force', async () => {
    await as('alice', ['vouch', dids.bob as string, '--scope', '*']);
    const file = path.join(dir, 'out.jsonl');
    await fs.writeFile(file, 'precious');
    const refused = await as('alice', ['trust', 'export', file, '--json']);
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.stdout).error.code).toBe('aip_output_exists');
    expect(await fs.readFile(file, 'utf8')).toBe('precious');
    const forced = await as('alice', ['trust', 'export', file, '--force', '--json']);
    // Alice's inception (stored by aip init) and her vouch.
    expect(JSON.parse(forced.stdout)).toEqual({ out: file, lines: 2 });
  });

  it('fails with exit 2 on a missing file', async () => {
    const result = await as('alice', ['trust', 'import', path.join(dir, 'nope.jsonl'), '--json']);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout).error.code).toBe('aip_input_unreadable');
  });

  it.runIf(hasScript)('draws a progress bar on a terminal only', async () => {
    await as('bob', ['vouch', dids.carol as string, '--scope', '*']);
    const file = path.join(dir, 'one.jsonl');
    await as('bob', ['trust', 'export', file]);
    const piped = await as('alice', ['trust', 'import', file]);
    expect(piped.stderr).toBe('');
    const tty = await runAipInTerminal(['trust', 'import', file], [], homes.alice as Record<string, string>);
    expect(tty.stdout).toMatch(/importing \[#+\] 100%/);
  });
});

describe('aip trust rank', () => {
  it('lists a seeded ranking for display', async () => {
    await as('alice', ['vouch', dids.bob as string, '--scope', '*']);
    const result = await as('alice', ['trust', 'rank', '--json']);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout);
    expect(parsed.seeds).toEqual([dids.alice]);
    expect(parsed.ranking.map((r: { did: string }) => r.did).sort()).toEqual([dids.alice, dids.bob].sort());
  });
});
