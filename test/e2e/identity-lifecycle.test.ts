// DESIGN §11 end to end, as users run it: an agent's working key leaks; the owner revokes it with
// the recovery key and rotates (aip identity revoke, aip rotate), publishes the lineage to a
// registry (aip publish), and the operator syncs it (aip sync) into the trust store aip-proxy
// reads. The proxy then refuses the thief's fresh token and his proofs with aip_key_revoked, and
// admits the owner's new key through the same vouch chain without anyone vouching again; the
// registry and the syncing operator agree on the lineage.
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadIdentity } from '@aip/identity/node';
import { signRequest } from '@aip/token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlainUpstream, type Upstream } from '../fixtures/upstreams.js';

const AIP = fileURLToPath(new URL('../../apps/cli/dist/main.js', import.meta.url));
const PROXY = fileURLToPath(new URL('../../apps/proxy/dist/main.js', import.meta.url));
const AUDIENCE = 'https://tools.example.com';
const children = new Set<ChildProcess>();
let dir: string;
let upstream: Upstream;

const home = (name: string) => path.join(dir, name);

function env(name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env))
    if (value !== undefined && key !== 'AIP_PASSPHRASE') out[key] = value;
  return { ...out, AIP_HOME: home(name) };
}

/** Runs `aip` as `name` with --json; the parsed output and the exit code. */
function aip(name: string, args: string[]): Promise<{ code: number | null; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AIP, ...args, '--json'], {
      env: env(name),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      children.delete(child);
      try {
        resolve({ code, json: JSON.parse(stdout) as Record<string, unknown> });
      } catch {
        reject(new Error(`aip ${args.join(' ')} printed no JSON (exit ${code}): ${stdout}${stderr}`));
      }
    });
  });
}

async function ok(name: string, args: string[]): Promise<Record<string, unknown>> {
  const run = await aip(name, args);
  if (run.code !== 0) throw new Error(`aip ${args.join(' ')} exited ${run.code}: ${JSON.stringify(run.json)}`);
  return run.json;
}

/** The `url` of aip-proxy's JSON "listening" log line, once written. */
function listeningUrl(text: string): RegExpExecArray | null {
  for (const line of text.split('\n')) {
    try {
      const record = JSON.parse(line) as { msg?: string; url?: string };
      if (record.msg === 'listening' && typeof record.url === 'string') return [record.url, record.url] as never;
    } catch {
      // Not a log line (yet).
    }
  }
  return null;
}

/** Starts a long-running command and resolves with the URL it prints (stdout or stderr). */
function serve(
  command: string[],
  pattern: RegExp | { exec(text: string): RegExpExecArray | null },
  name?: string,
): Promise<string> {
  const child = spawn(process.execPath, command, {
    ...(name === undefined ? {} : { env: env(name) }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const look = (d: Buffer) => {
      out += d.toString();
      const match = pattern.exec(out);
      if (match !== null) resolve(match[1] as string);
    };
    child.stdout?.on('data', look);
    child.stderr?.on('data', look);
    child.on('exit', (code) => reject(new Error(`${command[1]} exited with ${code}: ${out}`)));
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'aip-e2e-lifecycle-'));
  upstream = await startPlainUpstream();
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  await upstream.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a leaked agent key, end to end', () => {
  it('is revoked and replaced by its owner; the proxy refuses the thief and admits the owner without re-vouching', async () => {
    const operator = (await ok('operator', ['init', '--name', 'operator'])).did as string;
    const agent = (await ok('agent', ['init', '--name', 'agent'])).did as string;
    // The operator admits issuers it vouched for: the proxy trusts no key outright.
    await ok('operator', ['vouch', agent, '--scope', 'aip:issuer']);
    const registry = await serve(
      [AIP, 'registry', 'serve', '--port', '0', '--db', path.join(dir, 'registry.db')],
      /listening on (http:\/\/127\.0\.0\.1:\d+)/,
      'operator',
    );
    await ok('agent', ['publish', registry]);
    const config = path.join(dir, 'proxy.toml');
    await writeFile(
      config,
      [
        '[proxy]',
        `upstream = "${upstream.url}"`,
        'port = 0',
        `audience = "${AUDIENCE}"`,
        '',
        '[pop]',
        'required = true',
        '',
        '[trust]',
        `root = "${operator}"`,
        `db = "${path.join(home('operator'), 'trust.db')}"`,
        'min_score = 0.5',
        'min_corroboration = 1',
        '',
      ].join('\n'),
    );
    const proxy = await serve([PROXY, '--config', config], { exec: listeningUrl });

    /** A tool call with `token`, proven by `holderHome`'s identity file. */
    const call = async (token: string, holderHome: string) => {
      const { identity } = await loadIdentity({ home: holderHome });
      const body = '{}';
      const proof = signRequest(identity, {
        token,
        method: 'POST',
        path: '/mcp/tools/search',
        body,
        audience: AUDIENCE,
      });
      const res = await fetch(`${proxy}/mcp/tools/search`, {
        method: 'POST',
        headers: { 'x-aip-token': token, 'x-aip-proof': proof, 'content-type': 'application/json' },
        body,
      });
      const answer = res.status === 200 ? undefined : ((await res.json()) as { error: { code: string } }).error.code;
      return { status: res.status, code: answer };
    };
    const issue = async (name: string, sub: string) =>
      (await ok(name, ['token', 'issue', '--sub', sub, '--scope', 'tool:search', '--ttl', '600'])).token as string;

    // Before the leak: the agent's own token is admitted through the operator's vouch.
    expect(await call(await issue('agent', agent), home('agent'))).toEqual({ status: 200, code: undefined });
    // A token the operator gave the agent's working key, which the thief will hold with the key.
    const operatorToken = await issue('operator', agent);
    expect((await call(operatorToken, home('agent'))).status).toBe(200);

    // The working key leaks: the thief has a copy of identity.json, never the recovery file.
    await mkdir(home('thief'), { recursive: true, mode: 0o700 });
    await copyFile(path.join(home('agent'), 'identity.json'), path.join(home('thief'), 'identity.json'));

    // The owner declares it compromised with the recovery key, rotates, and publishes the lineage.
    expect(await ok('agent', ['identity', 'revoke', '--reason', 'working key leaked'])).toMatchObject({
      revoked: agent,
      signed_by: 'recovery',
    });
    const successor = (await ok('agent', ['rotate'])).did as string;
    expect(successor).not.toBe(agent);
    // The inception went out with the first publish; the revocation and the rotation go now.
    expect((await ok('agent', ['publish', registry])).key_events).toEqual({ accepted: 2, duplicate: 1, rejected: 0 });
    // The operator syncs; the proxy follows its trust store without a restart.
    expect((await ok('operator', ['sync', registry])).keyEvents).toMatchObject({ accepted: 3, rejected: 0 });
    await new Promise((resolve) => setTimeout(resolve, 1100));

    // The thief's fresh token, and his proof on the token he stole, are refused.
    expect(await call(await issue('thief', agent), home('thief'))).toEqual({ status: 401, code: 'aip_key_revoked' });
    expect(await call(operatorToken, home('thief'))).toEqual({ status: 401, code: 'aip_key_revoked' });
    // The thief cannot rotate: he has no recovery key.
    expect((await aip('thief', ['rotate'])).json).toMatchObject({ error: { code: 'aip_identity_missing' } });

    // The owner's new key is admitted through the operator's vouch for the old one: nobody re-vouched.
    expect(await call(await issue('agent', successor), home('agent'))).toEqual({ status: 200, code: undefined });
    const score = await ok('operator', ['trust', 'score', successor, '--scope', 'aip:issuer']);
    expect(score).toMatchObject({ score: 1, hops: 1, path: [operator, successor] });

    // The registry and the syncing operator agree on the lineage.
    const served = (await (await fetch(`${registry}/v1/agents/${encodeURIComponent(agent)}/lineage`)).json()) as {
      root: string;
      current: string;
      keys: { did: string; status: string }[];
    };
    const log = await ok('operator', ['identity', 'log', agent]);
    expect(served).toMatchObject({ root: agent, current: successor });
    expect(log).toMatchObject({ root: served.root, current: served.current, next_committed: true });
    expect((log.keys as { did: string; status: string }[]).map((k) => [k.did, k.status])).toEqual(
      served.keys.map((k) => [k.did, k.status]),
    );
    expect(served.keys.map((k) => k.status)).toEqual(['revoked', 'current']);
  }, 120_000);
});
