import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killChildren, runAip, tempDir } from './run-aip.js';

let cleanup: () => Promise<void>;
const homes = { orchestrator: '', worker: '', helper: '' };
const dids = { orchestrator: '', worker: '', helper: '' };
const ids: Record<string, { aip_id: string; public_key_multibase: string }> = {};

function as(who: keyof typeof homes, args: string[], input?: string) {
  return runAip(args, {
    env: { AIP_HOME: homes[who], AIP_PASSPHRASE: undefined },
    ...(input === undefined ? {} : { input }),
  });
}

async function json(who: keyof typeof homes, args: string[], input?: string) {
  const result = await as(who, [...args, '--json'], input);
  return { code: result.code, out: JSON.parse(result.stdout) };
}

beforeAll(async () => {
  let dir: string;
  ({ dir, cleanup } = await tempDir('aip-token-'));
  for (const who of Object.keys(homes) as (keyof typeof homes)[]) {
    homes[who] = path.join(dir, who);
    const { out } = await json(who, ['init', '--name', who]);
    dids[who] = out.did;
    ids[who] = out;
  }
});
afterAll(async () => {
  killChildren();
  await cleanup();
});

describe('aip token', () => {
  it('issues a token the issuer verifies by default (its own key is trusted)', async () => {
    const issued = await json('orchestrator', [
      'token',
      'issue',
      '--sub',
      dids.worker,
      '--scope',
      'tool:search,tool:fetch',
      '--budget',
      '5',
      '--max-depth',
      '1',
      '--ttl',
      '600',
    ]);
    expect(issued.code).toBe(0);
    expect(issued.out.claims).toMatchObject({
      iss: dids.orchestrator,
      sub: dids.worker,
      scope: ['tool:search', 'tool:fetch'],
      budget_usd: 5,
      max_depth: 1,
    });
    const verified = await json('orchestrator', ['token', 'verify', issued.out.token, '--scope', 'tool:search']);
    expect(verified.code).toBe(0);
    expect(verified.out).toMatchObject({
      valid: true,
      issuer: dids.orchestrator,
      subject: dids.worker,
      scope: ['tool:search', 'tool:fetch'],
      budget_usd: 5,
      max_depth: 1,
    });
    expect(Object.keys(verified.out)).toEqual([
      'valid',
      'issuer',
      'subject',
      'scope',
      'budget_usd',
      'max_depth',
      'expires_at',
      'chain',
      'warnings',
    ]);
  });

  it('prints only the token in text mode and reads tokens from stdin', async () => {
    const issued = await as('orchestrator', ['token', 'issue', '--sub', dids.worker, '--scope', 'tool:search']);
    const token = issued.stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    const verified = await as('worker', ['token', 'verify', '-', '--trust-key', dids.orchestrator], `${token}\n`);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^valid/);
  });

  it('accepts --trust-key in every key form, repeated', async () => {
    const { out } = await json('orchestrator', ['token', 'issue', '--sub', dids.worker, '--scope', 'tool:search']);
    const rawKey = ids.orchestrator?.aip_id.slice('aip:key:ed25519:'.length) as string;
    for (const key of [
      dids.orchestrator,
      ids.orchestrator?.aip_id as string,
      rawKey,
      ids.orchestrator?.public_key_multibase as string,
    ]) {
      const result = await json('helper', [
        'token',
        'verify',
        out.token,
        '--trust-key',
        dids.helper,
        '--trust-key',
        key,
      ]);
      expect(result.code, key).toBe(0);
    }
  });

  it('delegates a narrower chain that verifies, then refuses to widen it (exit 2)', async () => {
    const { out: root } = await json('orchestrator', [
      'token',
      'issue',
      '--sub',
      dids.worker,
      '--scope',
      'tool:search,tool:fetch',
      '--budget',
      '5',
      '--max-depth',
      '2',
    ]);
    const delegated = await json('worker', [
      'token',
      'delegate',
      root.token,
      '--to',
      dids.helper,
      '--scope',
      'tool:search',
      '--budget',
      '1',
      '--context',
      'look one thing up',
    ]);
    expect(delegated.code).toBe(0);
    expect(delegated.out.link).toMatchObject({
      iss: dids.worker,
      sub: dids.helper,
      ctx: 'look one thing up',
      budget_usd: 1,
      max_depth: 1,
    });
    const verified = await json('helper', [
      'token',
      'verify',
      delegated.out.token,
      '--trust-key',
      dids.orchestrator,
      '--scope',
      'tool:search',
    ]);
    expect(verified.out).toMatchObject({ valid: true, subject: dids.helper, budget_usd: 1, max_depth: 1 });
    expect(verified.out.chain).toHaveLength(2);

    const widen = await json('helper', [
      'token',
      'delegate',
      delegated.out.token,
      '--to',
      dids.worker,
      '--scope',
      'tool:*',
      '--context',
      'x',
    ]);
    expect(widen.code).toBe(2);
    expect(widen.out.error.code).toBe('aip_scope_insufficient');
    const notHolder = await json('orchestrator', [
      'token',
      'delegate',
      delegated.out.token,
      '--to',
      dids.worker,
      '--scope',
      'tool:search',
      '--context',
      'x',
    ]);
    expect(notHolder.out.error.code).toBe('aip_holder_mismatch');
  });

  it('reports each negative verdict with exit 1, its code and HTTP status', async () => {
    const { out } = await json('orchestrator', [
      'token',
      'issue',
      '--sub',
      dids.worker,
      '--scope',
      'tool:search',
      '--ttl',
      '60',
      '--aud',
      'did:key:z6MkServer',
    ]);
    const later = Math.floor(Date.now() / 1000) + 3600;
    const cases: [string[], string, number][] = [
      [['--at', String(later)], 'aip_token_expired', 401],
      [['--trust-key', dids.helper], 'aip_issuer_untrusted', 401],
      [['--scope', 'tool:delete'], 'aip_scope_insufficient', 403],
      [['--aud', 'did:key:z6MkOtherServer'], 'aip_audience_mismatch', 401],
    ];
    for (const [flags, code, status] of cases) {
      const result = await json('orchestrator', ['token', 'verify', out.token, ...flags]);
      expect(result.code, code).toBe(1);
      expect(result.out).toEqual({ valid: false, code, status, message: expect.any(String) });
      expect(result.out.message).not.toContain(out.token.split('.')[2]);
    }
    const tampered = `${out.token.slice(0, -4)}AAAA`;
    expect((await json('orchestrator', ['token', 'verify', tampered])).out).toMatchObject({
      valid: false,
      code: 'aip_signature_invalid',
      status: 401,
    });
    expect((await json('orchestrator', ['token', 'verify', 'not-a-token'])).out).toMatchObject({
      valid: false,
      code: 'aip_token_malformed',
      status: 401,
    });
  });

  it('inspects without verifying, and refuses a malformed token with exit 2', async () => {
    const { out } = await json('orchestrator', ['token', 'issue', '--sub', dids.worker, '--scope', 'tool:search']);
    const inspected = await json('helper', ['token', 'inspect', out.token]);
    expect(inspected.out).toMatchObject({
      verified: false,
      segments: [{ type: 'aip+jwt', claims: { iss: dids.orchestrator } }],
    });
    const text = await as('helper', ['token', 'inspect', out.token]);
    expect(text.stdout).toContain('NOT VERIFIED');
    expect((await as('helper', ['token', 'inspect', 'x.y'])).code).toBe(2);
  });

  it('refuses bad usage with exit 2', async () => {
    expect((await as('orchestrator', ['token', 'issue', '--scope', 'tool:a'])).code).toBe(2); // no --sub
    expect(
      (await as('orchestrator', ['token', 'issue', '--sub', dids.worker, '--scope', 'tool:a', '--ttl', 'soon'])).code,
    ).toBe(2);
    expect((await as('orchestrator', ['token', 'issue', '--sub', dids.worker, '--scope', 'search'])).code).toBe(2); // invalid scope
    expect((await as('orchestrator', ['token', 'verify', 'x', '--trust-key', 'not-a-key'])).code).toBe(2);
    const noIdentity = await runAip(['token', 'verify', 'x.y.z', '--json'], {
      env: { AIP_HOME: path.join(homes.orchestrator, 'nowhere') },
    });
    expect(noIdentity.code).toBe(2);
    expect(JSON.parse(noIdentity.stdout).error.code).toBe('aip_usage');
  });
});
