// The `aip-proxy` binary as an operator runs it: reference-compatible flags, the TOML file, flags
// overriding the file, refusal of invalid configuration, the startup summary, clean shutdown.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAipFetch } from '@aip/mcp';
import { openBudgetLedger, verifyAuditLog } from '@aip/proxy';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { principals } from '../fixtures/proxy.js';
import { startPlainUpstream, type Upstream } from '../fixtures/upstreams.js';

const BIN = fileURLToPath(new URL('../../apps/proxy/dist/main.js', import.meta.url));
const p = principals();
const rawKey = p.operator.aipId.slice('aip:key:ed25519:'.length);
let upstream: Upstream;
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  upstream = await startPlainUpstream();
  dir = await mkdtemp(path.join(tmpdir(), 'aip-proxy-cli-'));
});
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});
afterAll(async () => {
  await upstream.close();
  await rm(dir, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  stdout: () => string;
  /** The fields of the first log line with this message. */
  logged: (msg: string) => Record<string, unknown> | undefined;
  exit: Promise<number | null>;
}

/** The JSON log lines written to stderr. */
function logLines(stderr: string): Record<string, unknown>[] {
  return stderr.split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

/** Starts aip-proxy and waits for its startup summary. */
function start(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  let stdout = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      const listening = logLines(stderr).find((line) => line.msg === 'listening');
      if (listening !== undefined)
        resolve({
          child,
          url: listening.url as string,
          stderr: () => stderr,
          stdout: () => stdout,
          logged: (msg) => logLines(stderr).find((line) => line.msg === msg),
          exit,
        });
    });
    void exit.then((code) => reject(new Error(`aip-proxy exited with ${code}: ${stderr}`)));
  });
}

/** Runs aip-proxy expecting it to refuse to start. */
async function refuse(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stderr };
}

describe('aip-proxy command', () => {
  it('starts like the reference (--upstream --port --trust-key), prints its state and proxies', async () => {
    const proxy = await start(['--upstream', upstream.url, '--port', '0', '--trust-key', rawKey]);
    expect(proxy.logged('listening')).toMatchObject({
      level: 30,
      name: 'aip-proxy',
      upstream: upstream.url,
      trusted_keys: [expect.stringMatching(/^z\w{9}…\w{4}$/)],
      audit: 'max ttl 3600s, max budget $10, max depth 5 (warnings only)',
      audit_log: 'stdout',
      proofs: expect.stringContaining('a stolen token alone is enough'),
    });
    const res = await fetch(`${proxy.url}/mcp/tools/search`, {
      method: 'POST',
      headers: { 'x-aip-token': p.token(['tool:search']) },
      body: '{}',
    });
    expect(res.status).toBe(200);
    await expect.poll(() => proxy.stdout()).toContain('"decision":"allow"');
    expect(JSON.parse(proxy.stdout().trim().split('\n')[0] as string)).toMatchObject({
      decision: 'allow',
      method: 'POST /mcp/tools/search',
      tool: 'search',
      prev: null,
    });
    proxy.child.kill('SIGTERM');
    expect(await proxy.exit).toBe(0);
    expect(proxy.stderr()).toContain('shutting down');
  });

  it('reads the TOML file, every key honoured, with flags overriding it', async () => {
    const logFile = path.join(dir, 'audit.jsonl');
    const config = path.join(dir, 'proxy.toml');
    await writeFile(
      config,
      [
        '[proxy]',
        `upstream = "http://127.0.0.1:9"`,
        'port = 1',
        `trust_keys = ["${p.operator.did}"]`,
        '',
        '[audit]',
        'max_ttl_seconds = 600',
        'max_budget_usd = 2.5',
        '',
        '[logging]',
        `log_file = "${logFile}"`,
        '',
      ].join('\n'),
    );
    const proxy = await start(['--config', config, '--upstream', upstream.url, '--port', '0']);
    expect(proxy.logged('listening')).toMatchObject({
      upstream: upstream.url,
      audit: expect.stringContaining('max ttl 600s, max budget $2.5'),
      audit_log: logFile,
    });
    const long = await fetch(`${proxy.url}/mcp/tools/search`, {
      method: 'POST',
      headers: { 'x-aip-token': p.token(['tool:search'], { ttl: 3600 }) },
      body: '{}',
    });
    expect(long.status).toBe(200);
    expect(JSON.parse(long.headers.get('x-aip-audit') as string).warnings[0]).toMatch(/3600s exceeds .* 600s/);
    proxy.child.kill('SIGTERM');
    expect(await proxy.exit).toBe(0);
    const text = await readFile(logFile, 'utf8');
    // One decision, between the log's own start and stop records, sealed by a signed checkpoint.
    expect(verifyAuditLog(text)).toMatchObject({ ok: true, lines: 4, checkpoints: 1, notes: [] });
    expect(text.split('\n').filter((line) => line.includes('"decision"'))).toHaveLength(1);
  });

  it('serves a stdio server with --stdio -- cmd args, and leaves no child behind on shutdown', async () => {
    const server = fileURLToPath(new URL('../fixtures/stdio-server.mjs', import.meta.url));
    const proxy = await start([
      '--port',
      '0',
      '--trust-key',
      rawKey,
      '--metrics-port',
      '0',
      '--stdio',
      '--',
      process.execPath,
      server,
    ]);
    expect(proxy.logged('listening')?.upstream).toBe(`stdio: ${process.execPath} ${server} (one process per session)`);
    const metricsUrl = String(proxy.logged('metrics')?.url).replace(/\/metrics$/, '');
    const client = new Client({ name: 'cli-e2e', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${proxy.url}/mcp`), {
        fetch: createAipFetch({ token: p.token(['tool:search']) }),
      }),
    );
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['search']);
    expect(await (await fetch(`${metricsUrl}/metrics`)).text()).toContain('aip_proxy_decisions_total');
    proxy.child.kill('SIGTERM');
    expect(await proxy.exit).toBe(0);
    const ps = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;
    expect(ps.split('\n').filter((line) => line.includes(server))).toEqual([]);
    await client.close().catch(() => undefined);
  });

  it('reloads trusted keys and policy on SIGHUP, and keeps running on a bad reload', async () => {
    const config = path.join(dir, 'reload.toml');
    const newcomer = principals();
    const write = (keys: string[], extra = '') =>
      writeFile(
        config,
        `[proxy]\nupstream = "${upstream.url}"\nport = 0\ntrust_keys = [${keys.map((k) => `"${k}"`).join(', ')}]\n${extra}`,
      );
    await write([p.operator.did]);
    const proxy = await start(['--config', config]);
    const call = (token: string) =>
      fetch(`${proxy.url}/mcp/tools/search`, { method: 'POST', headers: { 'x-aip-token': token }, body: '{}' });
    expect((await call(newcomer.token(['tool:search']))).status).toBe(401);
    await write([p.operator.did, newcomer.operator.did], '[pop]\nrequired = false\n');
    proxy.child.kill('SIGHUP');
    await expect.poll(() => proxy.stderr()).toContain('configuration reloaded');
    expect((await call(newcomer.token(['tool:search']))).status).toBe(200);
    await write([p.operator.did, newcomer.operator.did], '[audit]\nmax_ttl_seconds = "long"\n');
    proxy.child.kill('SIGHUP');
    await expect
      .poll(() => proxy.stderr())
      .toContain('reload refused, keeping the running configuration: audit.max_ttl_seconds');
    expect((await call(newcomer.token(['tool:search']))).status).toBe(200);
    proxy.child.kill('SIGTERM');
    expect(await proxy.exit).toBe(0);
  });

  it('refuses invalid configuration at start, naming the key', async () => {
    const bad = path.join(dir, 'bad.toml');
    const cases: [string, string][] = [
      [`[proxy]\nport = 99999\ntrust_keys = ["${rawKey}"]\n`, 'proxy.port'],
      [`[proxy]\nprot = 8080\ntrust_keys = ["${rawKey}"]\n`, 'proxy.prot: unknown key'],
      [`[proxy]\ntrust_keys = ["zBogus"]\n`, 'proxy.trust_keys[0]'],
      [`[proxy]\nupstream = "http://localhost:3000/mcp"\ntrust_keys = ["${rawKey}"]\n`, 'proxy.upstream'],
      ['[proxy\nport = 1\n', 'not valid TOML'],
    ];
    for (const [toml, message] of cases) {
      await writeFile(bad, toml);
      const result = await refuse(['--config', bad]);
      expect(result.code, message).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    expect((await refuse(['--upstream', upstream.url])).stderr).toContain('no trusted issuer keys');
    expect((await refuse(['--trust-key', rawKey, '--stdio'])).stderr).toContain('--stdio needs the server command');
    expect((await refuse(['--config', path.join(dir, 'missing.toml')])).stderr).toContain('cannot read');
  });

  it('refuses to start with one clear line when something it needs cannot be opened', async () => {
    const missing = path.join(dir, 'no-such-dir');
    const garbage = path.join(dir, 'garbage.db');
    await writeFile(garbage, 'this is not SQLite');
    const busy = await start(['--upstream', upstream.url, '--port', '0', '--trust-key', rawKey, '--metrics-port', '0']);
    const busyMetrics = Number(new URL(busy.logged('metrics')?.url as string).port);
    const cases: [string[], string][] = [
      [['--log-file', path.join(missing, 'audit.jsonl')], 'logging.log_file: cannot open'],
      [['--config', await toml(`[budget]\nledger = "${path.join(missing, 'b.db')}"\n`)], 'budget.ledger: cannot open'],
      [
        ['--config', await toml(`[trust]\nroot = "${p.operator.did}"\ndb = "${path.join(missing, 't.db')}"\n`)],
        'trust.db:',
      ],
      [['--config', await toml(`[trust]\nroot = "${p.operator.did}"\ndb = "${garbage}"\n`)], 'trust.db:'],
      [['--config', await toml(`[revocation]\nfile = "${path.join(missing, 'r.txt')}"\n`)], 'revocation.file:'],
      [['--metrics-port', String(busyMetrics)], 'cannot serve metrics'],
      [['--port', new URL(busy.url).port], 'cannot listen'],
    ];
    for (const [args, message] of cases) {
      const result = await refuse(['--upstream', upstream.url, '--trust-key', rawKey, '--port', '0', ...args]);
      expect(result.code, message).toBe(2);
      expect(result.stderr, message).toContain(message);
      expect(result.stderr.trim().split('\n'), message).toHaveLength(1);
    }
    busy.child.kill('SIGTERM');
    await busy.exit;
  });

  it('refuses a SIGHUP whose trust store is missing or not SQLite, and keeps serving', async () => {
    const config = path.join(dir, 'hup.toml');
    const garbage = path.join(dir, 'not-sqlite.db');
    await writeFile(garbage, 'garbage');
    await writeFile(config, `[proxy]\nupstream = "${upstream.url}"\nport = 0\ntrust_keys = ["${rawKey}"]\n`);
    const proxy = await start(['--config', config]);
    const call = () =>
      fetch(`${proxy.url}/mcp/tools/search`, {
        method: 'POST',
        headers: { 'x-aip-token': p.token(['tool:search']) },
        body: '{}',
      });
    for (const db of [path.join(dir, 'absent', 'trust.db'), garbage]) {
      await writeFile(
        config,
        `[proxy]\nupstream = "${upstream.url}"\nport = 0\ntrust_keys = ["${rawKey}"]\n[trust]\nroot = "${p.operator.did}"\ndb = "${db}"\n`,
      );
      const before = proxy.stderr().length;
      proxy.child.kill('SIGHUP');
      await expect
        .poll(() => proxy.stderr().slice(before))
        .toContain('reload refused, keeping the running configuration: trust.db');
      expect((await call()).status).toBe(200);
    }
    proxy.child.kill('SIGTERM');
    expect(await proxy.exit).toBe(0);
  });

  it('stays up on a disk that is full, refusing what it cannot audit', async () => {
    const proxy = await start([
      '--upstream',
      upstream.url,
      '--port',
      '0',
      '--trust-key',
      rawKey,
      '--log-file',
      '/dev/full',
      '--config',
      await toml(`[logging]\ncheckpoint_key = "${path.join(dir, 'full.key')}"\n`),
    ]);
    const res = await fetch(`${proxy.url}/mcp/tools/search`, {
      method: 'POST',
      headers: { 'x-aip-token': p.token(['tool:search']) },
      body: '{}',
    });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('aip_audit_unavailable');
    expect((await fetch(`${proxy.url}/.well-known/oauth-protected-resource`)).status).toBe(200);
    expect(proxy.child.exitCode).toBeNull();
    proxy.child.kill('SIGTERM');
    expect(await proxy.exit).toBe(0);
  });

  it('after a kill -9 mid-call, says its log may miss lines and marks the charge whose delivery is unknown', async () => {
    const slow = createServer((_req, res) => {
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), 60_000).unref();
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
    const log = path.join(dir, 'killed.jsonl');
    const ledger = path.join(dir, 'killed.db');
    const config = await toml(`[budget]\nledger = "${ledger}"\ncosts = { "tool:*" = 0.5 }\npending_seconds = 1\n`);
    const args = ['--upstream', slowUrl, '--port', '0', '--trust-key', rawKey, '--log-file', log, '--config', config];
    const first = await start(args);
    const call = fetch(`${first.url}/mcp/tools/search`, {
      method: 'POST',
      headers: { 'x-aip-token': p.token(['tool:search']) },
      body: '{}',
    }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    first.child.kill('SIGKILL');
    await first.exit;
    await call;
    await new Promise((r) => setTimeout(r, 1100));
    const second = await start(args);
    await expect.poll(() => second.stderr()).toContain('budget charges whose delivery is unknown');
    second.child.kill('SIGTERM');
    await second.exit;
    const result = verifyAuditLog(await readFile(log, 'utf8'));
    expect(result.ok).toBe(true);
    expect(result.notes.join('\n')).toContain('did not stop cleanly');
    const budget = openBudgetLedger(ledger);
    expect(await budget.charges('unknown')).toMatchObject([{ cost_usd: 0.5, tools: ['search'] }]);
    await budget.close();
    slow.closeAllConnections();
    await new Promise<void>((resolve) => slow.close(() => resolve()));
  });
});

let tomlCount = 0;
async function toml(text: string): Promise<string> {
  const file = path.join(dir, `extra-${++tomlCount}.toml`);
  await writeFile(file, text);
  return file;
}
