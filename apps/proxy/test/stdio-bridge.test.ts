// The stdio bridge listens on loopback, where any local user could reach it: only requests that
// carry its per-process secret (which the proxy adds) may spawn or reach a child.
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/resolve.js';
import { type StdioBridge, startStdioBridge, stdioEnvironment } from '../src/upstream/stdio-bridge.js';

const SERVER = fileURLToPath(new URL('./fixtures/stdio-minimal.mjs', import.meta.url));
const ENV_SERVER = fileURLToPath(new URL('./fixtures/stdio-env.mjs', import.meta.url));
const KEY = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bridge-test', version: '1' } },
});

function stdioConfig(stdio: Record<string, unknown>) {
  const config = resolveConfig({ proxy: { trust_keys: [KEY] }, stdio }).stdio;
  if (config === undefined) throw new Error('no [stdio]');
  return config;
}

function initialize(bridge: StdioBridge, headers: Record<string, string>): Promise<Response> {
  return fetch(bridge.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: INITIALIZE,
  });
}

// Each test spawns node children that load the MCP SDK: on a loaded machine that takes seconds.
const SPAWNING = { timeout: 30_000 };

describe('stdio bridge', SPAWNING, () => {
  let bridge: StdioBridge;
  beforeAll(async () => {
    bridge = await startStdioBridge(
      stdioConfig({
        command: [process.execPath, SERVER],
        idle_timeout_seconds: 60,
        max_sessions: 4,
        max_sessions_per_principal: 2,
      }),
    );
  });
  afterAll(() => bridge.close());

  it('hands the proxy a random secret header', async () => {
    const other = await startStdioBridge(
      stdioConfig({
        command: [process.execPath, SERVER],
        idle_timeout_seconds: 60,
        max_sessions: 1,
        max_sessions_per_principal: 1,
      }),
    );
    const [name, value] = Object.entries(bridge.headers)[0] as [string, string];
    expect(name).toBe('x-aip-bridge-secret');
    expect(Buffer.from(value, 'base64url')).toHaveLength(32);
    expect(other.headers[name]).not.toBe(value);
    await other.close();
  });

  it('refuses requests without the secret, or with a wrong one, and spawns nothing', async () => {
    const [name, value] = Object.entries(bridge.headers)[0] as [string, string];
    const wrong = `${value.slice(0, -2)}${value.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const headers of [{}, { [name]: wrong }, { [name]: '' }, { [name]: value.slice(1) }]) {
      const res = await initialize(bridge, headers);
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe('Forbidden');
    }
    expect(bridge.pids()).toEqual([]);
  });

  it('serves the proxy, which presents the secret', async () => {
    const res = await initialize(bridge, bridge.headers);
    expect(res.status).toBe(200);
    expect(res.headers.get('mcp-session-id')).toBeTruthy();
    await res.text();
    expect(bridge.pids()).toHaveLength(1);
  });

  it('keeps one grant to its share of the children, whoever else is waiting', async () => {
    const greedy = { ...bridge.headers, 'x-aip-grant': 'greedy' };
    const opened = await Promise.all([
      initialize(bridge, greedy),
      initialize(bridge, greedy),
      initialize(bridge, greedy),
    ]);
    const statuses = opened.map((res) => res.status).sort();
    // The grant's two slots (initialized concurrently) are taken; a third child is refused.
    expect(statuses).toEqual([200, 200, 429]);
    await Promise.all(opened.map((res) => res.text()));
    // Another grant still gets a child.
    const other = await initialize(bridge, { ...bridge.headers, 'x-aip-grant': 'polite' });
    expect(other.status).toBe(200);
    await other.text();
  });
});

describe('stdio bridge, the environment of a child', SPAWNING, () => {
  it('gives the server its env table and the allowed variables of the proxy, nothing else', () => {
    const config = stdioConfig({
      command: ['server'],
      env: { MODE: 'read-only', SHARED: 'from env' },
      env_allow: ['API_TOKEN', 'SHARED', 'UNSET'],
    });
    expect(stdioEnvironment(config, { API_TOKEN: 't0k', SHARED: 'from the proxy', SECRET_OF_PROXY: 'x' })).toEqual({
      API_TOKEN: 't0k',
      SHARED: 'from env',
      MODE: 'read-only',
    });
  });

  it('refuses a bad table, a bad name and a missing directory, naming the key', async () => {
    expect(() => stdioConfig({ command: ['s'], env: { 'BAD-NAME': 'x' } })).toThrow('stdio.env.BAD-NAME');
    expect(() => stdioConfig({ command: ['s'], env: { A: 1 } })).toThrow('stdio.env.A: must be a string');
    expect(() => stdioConfig({ command: ['s'], env_allow: ['A B'] })).toThrow('stdio.env_allow[0]');
    await expect(startStdioBridge(stdioConfig({ command: ['s'], cwd: '/nonexistent/aip-proxy-test' }))).rejects.toThrow(
      'stdio.cwd: /nonexistent/aip-proxy-test is not a directory',
    );
  });

  it('spawns the child in its directory with exactly that environment (no shell)', async () => {
    const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'aip-stdio-cwd-')));
    const bridge = await startStdioBridge(
      stdioConfig({
        command: [process.execPath, ENV_SERVER],
        env: { MODE: 'read-only' },
        env_allow: ['API_TOKEN'],
        cwd: dir,
      }),
      { ...process.env, API_TOKEN: 't0k', NOT_ALLOWED: 'hidden' },
    );
    try {
      const res = await initialize(bridge, bridge.headers);
      const text = await res.text();
      const data = /^data: (.*)$/m.exec(text)?.[1] ?? text;
      const told = JSON.parse((JSON.parse(data) as { result: { instructions: string } }).result.instructions) as {
        cwd: string;
        env: Record<string, string>;
      };
      expect(told.cwd).toBe(dir);
      expect(told.env).toMatchObject({ MODE: 'read-only', API_TOKEN: 't0k' });
      expect(told.env.NOT_ALLOWED).toBeUndefined();
      expect(
        Object.keys(told.env).every((name) => /^(MODE|API_TOKEN|HOME|LOGNAME|PATH|SHELL|TERM|USER)$/.test(name)),
      ).toBe(true);
    } finally {
      await bridge.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
