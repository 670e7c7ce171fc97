// `aip registry serve`, `aip publish`, `aip sync` as a user runs them: built binary, real SQLite
// files, a real registry on 127.0.0.1 (ephemeral port).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AIP_BIN, hasScript, killChildren, runAip, runCommand, tempDir } from './run-aip.js';

type Env = Record<string, string | undefined>;
let dir: string;
let cleanup: () => Promise<void>;
const servers: ChildProcess[] = [];
const homes: Record<string, Env> = {};
const dids: Record<string, string> = {};

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('aip-registry-cli-'));
  for (const name of ['alice', 'bob', 'carol']) {
    homes[name] = { AIP_HOME: path.join(dir, name), AIP_PASSPHRASE: undefined };
    dids[name] = JSON.parse((await runAip(['init', '--name', name, '--json'], { env: homes[name] as Env })).stdout).did;
  }
});
afterEach(async () => {
  for (const server of servers.splice(0)) if (server.exitCode === null) server.kill('SIGKILL');
  killChildren();
  await cleanup();
});

const as = (name: string, args: string[]) => runAip(args, { env: homes[name] as Env });

/** Starts `aip registry serve` and waits for its address. */
function serve(args: string[] = []): Promise<{ child: ChildProcess; url: string; exit: Promise<number | null> }> {
  const child = spawn(
    process.execPath,
    [AIP_BIN, 'registry', 'serve', '--port', '0', '--db', path.join(dir, 'registry.db'), ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  servers.push(child);
  const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match !== null && out.includes('profiles:')) resolve({ child, url: match[1] as string, exit });
    });
    void exit.then((code) => reject(new Error(`aip registry serve exited with ${code}: ${out}`)));
  });
}

describe('aip registry serve --help', () => {
  it("shows the registry's own defaults without loading it", async () => {
    const { SERVE_DEFAULTS } = await import('../src/commands/registry.js');
    const { DEFAULT_IDENTITY_LIMIT, DEFAULT_IP_LIMIT, DEFAULT_PORT } = await import('@aip/registry');
    expect(SERVE_DEFAULTS).toEqual({
      port: DEFAULT_PORT,
      ipLimit: DEFAULT_IP_LIMIT,
      identityLimit: DEFAULT_IDENTITY_LIMIT,
    });
  });
});

describe('aip registry serve', () => {
  it('serves on 127.0.0.1, answers /healthz, and stops cleanly on SIGTERM (saving the index snapshot)', async () => {
    const { child, url, exit } = await serve();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok', feed: 0 });
    expect((await fetch(`${url}/openapi.json`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(existsSync(path.join(dir, 'registry.db.idx'))).toBe(true);
  });

  it('exits 2 when it cannot listen, and refuses bad options', async () => {
    const { url } = await serve();
    const port = new URL(url).port;
    const busy = await runAip(['registry', 'serve', '--port', port, '--db', path.join(dir, 'other.db')]);
    expect(busy.code).toBe(2);
    expect(busy.stderr).toContain(`cannot listen on 127.0.0.1:${port}`);
    const bad = await runAip(['registry', 'serve', '--port', '70000']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--port must be an integer from 0 to 65535');
  });

  it('takes one store: --db or --postgres; an unreachable database is named without its password', async () => {
    const both = await runAip([
      'registry',
      'serve',
      '--db',
      path.join(dir, 'x.db'),
      '--postgres',
      'postgresql://a@h/d',
    ]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--db and --postgres name two different stores');
    // Port 1 on loopback refuses connections: nothing listens there.
    const url = 'postgresql://aip:hunter2-secret@127.0.0.1:1/aip';
    const down = await runAip(['registry', 'serve', '--port', '0', '--json'], {
      env: { AIP_REGISTRY_POSTGRES_URL: url },
    });
    expect(down.code).not.toBe(0);
    const error = JSON.parse(down.stderr || down.stdout).error;
    expect(error.code).toBe('aip_store_unavailable');
    expect(error.message).toContain('postgresql://aip:***@127.0.0.1:1/aip');
    expect(`${down.stdout}${down.stderr}`).not.toContain('hunter2');
    const notUrl = await runAip(['registry', 'serve', '--port', '0', '--postgres', 'mysql://x:y@h/d', '--json']);
    expect(JSON.parse(notUrl.stderr || notUrl.stdout).error).toMatchObject({ code: 'aip_store_unavailable' });
    expect(`${notUrl.stdout}${notUrl.stderr}`).not.toContain('x:y');
  });
});

describe('aip publish and aip sync', () => {
  it('publishes profile, vouches and revocations; a second run finds them there', async () => {
    const { url } = await serve();
    const v1 = JSON.parse(
      (await as('alice', ['vouch', dids.bob as string, '--scope', 'tool:search', '--json'])).stdout,
    );
    await as('alice', ['vouch', dids.carol as string, '--scope', '*', '--json']);
    expect((await as('alice', ['revoke', v1.id])).code).toBe(0);
    const first = await as('alice', [
      'publish',
      url,
      '--description',
      'plans trips',
      '--endpoint',
      'https://alice.example/mcp',
      '--json',
    ]);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      registry: url,
      did: dids.alice,
      profile: { status: 'accepted' },
      vouches: { accepted: 2, duplicate: 0, rejected: 0 },
      revocations: { accepted: 1, duplicate: 0, rejected: 0 },
      errors: [],
    });
    const agent = await (await fetch(`${url}/v1/agents/${dids.alice}`)).json();
    expect(agent).toMatchObject({
      name: 'alice',
      description: 'plans trips',
      endpoints: ['https://alice.example/mcp'],
      platform: null,
    });
    const again = await as('alice', [
      'publish',
      url,
      '--description',
      'plans trips',
      '--endpoint',
      'https://alice.example/mcp',
    ]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('profile:     unchanged');
    expect(again.stdout).toContain('vouches    : 0 published, 2 already there');
    const renamed = await as('alice', ['publish', url, '--name', 'alice-2', '--json']);
    expect(JSON.parse(renamed.stdout).profile.status).toBe('accepted');
  });

  it('publishes the self-asserted platform claim of aip init --platform', async () => {
    const { url } = await serve();
    const env = { AIP_HOME: path.join(dir, 'dave'), AIP_PASSPHRASE: undefined };
    const dave = await runAip(['init', '--name', 'dave', '--platform', 'github/dave-agent', '--json'], { env });
    expect((await runAip(['publish', url, '--json'], { env })).code).toBe(0);
    const agent = (await (await fetch(`${url}/v1/agents/${JSON.parse(dave.stdout).did}`)).json()) as {
      platform: string;
      profile: { platform: string };
    };
    expect(agent.platform).toBe('github/dave-agent');
    expect(agent.profile.platform).toBe('github/dave-agent');
  });

  it('publishes with --no-profile, and needs a name otherwise', async () => {
    const { url } = await serve();
    const home = { AIP_HOME: path.join(dir, 'nameless'), AIP_PASSPHRASE: undefined };
    await runAip(['init'], { env: home });
    const refused = await runAip(['publish', url], { env: home });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--name');
    const bare = await runAip(['publish', url, '--no-profile', '--json'], { env: home });
    expect(bare.code).toBe(0);
    expect(JSON.parse(bare.stdout).profile).toEqual({ status: 'skipped' });
  });

  it('reports an unreachable registry and a bad URL as input errors (exit 2)', async () => {
    const down = await as('alice', ['publish', 'http://127.0.0.1:1', '--json']);
    expect(down.code).toBe(2);
    expect(JSON.parse(down.stdout).error.code).toBe('aip_registry_unreachable');
    const bad = await as('carol', ['sync', 'ftp://example.com', '--json']);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error.code).toBe('aip_request_invalid');
  });

  it('syncs into the local store and resumes from the saved cursor', async () => {
    const { url } = await serve();
    await as('alice', ['vouch', dids.bob as string, '--scope', 'tool:search', '--weight', '0.9']);
    await as('bob', ['vouch', dids.carol as string, '--scope', 'tool:*']);
    await as('alice', ['publish', url]);
    await as('bob', ['publish', url]);
    const first = await as('carol', ['sync', url, '--json']);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ source: url, objects: 4, accepted: 4, rejected: 0 });
    const second = await as('carol', ['sync', url]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`0 objects from ${url}: 0 new`);
    const score = await as('carol', [
      'trust',
      'score',
      dids.carol as string,
      '--from',
      dids.alice as string,
      '--scope',
      'tool:search',
      '--json',
    ]);
    expect(JSON.parse(score.stdout)).toEqual({
      score: 0.72,
      corroboration: 1,
      hops: 2,
      path: [dids.alice, dids.bob, dids.carol],
    });
  });

  it.skipIf(!hasScript)('draws a progress bar when stderr is a terminal', async () => {
    const { url } = await serve();
    await as('alice', ['vouch', dids.bob as string, '--scope', '*']);
    await as('alice', ['publish', url]);
    const quoted = [process.execPath, AIP_BIN, 'sync', url].map((a) => `'${a}'`).join(' ');
    const run = await runCommand('script', ['-qec', quoted, '/dev/null'], { env: homes.carol as Env });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/syncing \[#+\] 100% 2 objects/);
  });
});

describe('key events through a registry', () => {
  it('publishes an identity lineage, and a syncing peer agrees with the registry on it', async () => {
    const registry = await serve();
    expect((await as('alice', ['rotate', '--json'])).code).toBe(0);
    const published = JSON.parse((await as('alice', ['publish', registry.url, '--json'])).stdout);
    expect(published.key_events).toEqual({ accepted: 2, duplicate: 0, rejected: 0 });
    const response = await fetch(`${registry.url}/v1/agents/${encodeURIComponent(dids.alice as string)}/lineage`);
    const served = (await response.json()) as {
      root: string;
      current: string;
      next_committed: boolean;
      keys: { did: string; status: string }[];
    };
    const sync = await as('bob', ['sync', registry.url, '--json']);
    expect(JSON.parse(sync.stdout).keyEvents).toMatchObject({ accepted: 2, rejected: 0 });
    const log = JSON.parse((await as('bob', ['identity', 'log', dids.alice as string, '--json'])).stdout);
    expect(log).toMatchObject({ root: served.root, current: served.current, next_committed: served.next_committed });
    expect(log.keys.map((k: { did: string; status: string }) => [k.did, k.status])).toEqual(
      served.keys.map((k: { did: string; status: string }) => [k.did, k.status]),
    );
    expect(log.current).not.toBe(dids.alice);
  });
});
