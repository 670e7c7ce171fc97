// The registry end to end, as users run it: `aip registry serve` on 127.0.0.1 (ephemeral port),
// two agents publishing with `aip publish`, a third pulling everything with `aip sync` and
// computing the same scores offline, and a registry that alters its database caught by `aip sync`.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const AIP = fileURLToPath(new URL('../../apps/cli/dist/main.js', import.meta.url));
const children = new Set<ChildProcess>();
let dir: string;
let registry: { url: string; db: string; child: ChildProcess };
type Name = 'alice' | 'bob' | 'carol' | 'dave' | 'erin';
const dids = {} as Record<Name, string>;

function home(name: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env))
    if (value !== undefined && key !== 'AIP_PASSPHRASE') env[key] = value;
  return { ...env, AIP_HOME: path.join(dir, name) };
}

function aip(name: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AIP, ...args], { env: home(name), stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

async function json(name: string, args: string[], expectCode = 0): Promise<Record<string, unknown>> {
  const run = await aip(name, [...args, '--json']);
  if (run.code !== expectCode) throw new Error(`aip ${args.join(' ')} exited ${run.code}: ${run.stdout}${run.stderr}`);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'aip-e2e-registry-'));
  const db = path.join(dir, 'registry.db');
  const child = spawn(process.execPath, [AIP, 'registry', 'serve', '--port', '0', '--db', db], {
    env: home('operator'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match !== null) resolve(match[1] as string);
    });
    child.on('exit', (code) => reject(new Error(`registry exited with ${code}: ${out}`)));
  });
  registry = { url, db, child };
  for (const name of ['alice', 'bob', 'carol', 'dave', 'erin'] as const)
    dids[name] = (await json(name, ['init', '--name', name])).did as string;
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  await rm(dir, { recursive: true, force: true });
});

describe('aip publish → registry → aip sync', () => {
  it('two agents publish, a third syncs and computes the same scores offline as the registry', async () => {
    const { alice, bob, carol, dave, erin } = dids;
    // alice vouches for bob and dave; bob for carol and erin; dave for carol (a second chain).
    await json('alice', ['vouch', bob, '--scope', 'tool:search', '--weight', '0.9', '--statement', 'fast and right']);
    await json('alice', ['vouch', dave, '--scope', 'tool:*', '--weight', '0.6']);
    const bc = await json('bob', ['vouch', carol, '--scope', 'tool:*', '--weight', '0.8']);
    await json('bob', ['vouch', erin, '--scope', '*']);
    await json('dave', ['vouch', carol, '--scope', 'tool:search']);
    const revoked = await json('bob', ['vouch', dave, '--scope', '*']);
    await json('bob', ['revoke', revoked.id as string]);

    const published = await json('alice', [
      'publish',
      registry.url,
      '--description',
      'plans',
      '--endpoint',
      'https://alice.example/mcp',
    ]);
    expect(published).toMatchObject({ profile: { status: 'accepted' }, vouches: { accepted: 2 } });
    expect(await json('bob', ['publish', registry.url])).toMatchObject({
      vouches: { accepted: 3 },
      revocations: { accepted: 1 },
    });
    expect(await json('dave', ['publish', registry.url])).toMatchObject({ vouches: { accepted: 1 } });

    const synced = await json('erin', ['sync', registry.url]);
    expect(synced).toMatchObject({ objects: 10, accepted: 10, duplicates: 0, rejected: 0 });

    const questions: [string, string, string][] = [
      [alice, carol, 'tool:search'],
      [alice, carol, 'tool:github.create_issue'],
      [alice, erin, 'tool:search'],
      [alice, erin, '*'],
      [bob, carol, 'tool:search'],
      [alice, dave, '*'],
      [carol, alice, 'tool:search'],
    ];
    let positive = 0;
    for (const [from, to, scope] of questions) {
      const offline = await aip('erin', ['trust', 'score', to, '--from', from, '--scope', scope, '--json']);
      const local = JSON.parse(offline.stdout);
      const query = new URLSearchParams({ from, to, scope });
      const online = await (await fetch(`${registry.url}/v1/trust/score?${query}`)).json();
      expect(local).toEqual(online);
      expect(offline.code).toBe(local.score > 0 ? 0 : 1);
      if (local.score > 0) positive++;
    }
    // Scopes never leak: a tool:* or tool:search vouch says nothing about "*" or github tools.
    expect(positive).toBe(3);
    // alice → carol for tool:search: through bob (0.9 × 0.8 × 0.8) and through dave, corroborated.
    const best = JSON.parse(
      (await aip('erin', ['trust', 'path', carol, '--from', alice, '--scope', 'tool:search', '--json'])).stdout,
    );
    expect(best).toMatchObject({ score: 0.576, corroboration: 2, hops: 2, path: [alice, bob, carol] });
    expect(best.vouches[1].id).toBe(bc.id);
    // The revoked vouch came along and stays revoked offline.
    expect((await aip('erin', ['trust', 'score', dave, '--from', bob, '--json'])).code).toBe(1);
    // A second sync has nothing new; a new publication arrives on the next one.
    expect(await json('erin', ['sync', registry.url])).toMatchObject({ objects: 0 });
    await json('carol', ['vouch', alice, '--scope', 'tool:search']);
    await json('carol', ['publish', registry.url]);
    expect(await json('erin', ['sync', registry.url])).toMatchObject({ objects: 2, accepted: 2 });
    // About 25 CLI processes in turn: 15 s alone, twice that beside the rest of the suite.
  }, 120_000);

  it('catches a registry that tampers with an object in its database', async () => {
    const { alice, bob } = dids;
    const db = new Database(registry.db);
    // Raise alice's 0.9 vouch for bob to 1 in the stored object (and in the column the registry indexes).
    const row = db
      .prepare(
        `SELECT v.id, v.object FROM vouches v JOIN agents a ON a.idx = v.voucher JOIN agents b ON b.idx = v.subject
         WHERE a.did = ? AND b.did = ?`,
      )
      .get(alice, bob) as { id: string; object: string };
    expect(row.object).toContain('"weight":0.9');
    db.prepare('UPDATE vouches SET object = ?, weight = 1 WHERE id = ?').run(
      row.object.replace('"weight":0.9', '"weight":1'),
      row.id,
    );
    db.close();

    const run = await aip('operator', ['sync', registry.url, '--json']);
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ rejected: 1, rejectedByCode: { aip_signature_invalid: 1 } });
    expect(summary.accepted).toBe(summary.objects - 1);
    expect(summary.errors).toEqual([
      {
        object: expect.any(Number),
        code: 'aip_signature_invalid',
        message: "the vouch's signature does not verify under its voucher",
      },
    ]);
    const text = await aip('operator', ['sync', registry.url, '--restart']);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('altered or invented them');
    // Nothing of the altered vouch reached the local store: no trust from alice to bob offline.
    const offline = await aip('operator', ['trust', 'score', bob, '--from', alice, '--scope', 'tool:search', '--json']);
    expect(offline.code).toBe(1);
    expect(JSON.parse(offline.stdout).score).toBe(0);
    // The registry itself withholds what no longer verifies when it serves the agent.
    const agent = (await (await fetch(`${registry.url}/v1/agents/${bob}`)).json()) as { withheld: number };
    expect(agent.withheld).toBe(1);
  });
});
