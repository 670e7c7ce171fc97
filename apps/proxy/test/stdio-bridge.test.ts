// The stdio bridge listens on loopback, where any local user could reach it: only requests that
// carry its per-process secret (which the proxy adds) may spawn or reach a child.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StdioBridge, startStdioBridge } from '../src/upstream/stdio-bridge.js';

const SERVER = fileURLToPath(new URL('./fixtures/stdio-minimal.mjs', import.meta.url));
const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bridge-test', version: '1' } },
});

function initialize(bridge: StdioBridge, headers: Record<string, string>): Promise<Response> {
  return fetch(bridge.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: INITIALIZE,
  });
}

describe('stdio bridge', () => {
  let bridge: StdioBridge;
  beforeAll(async () => {
    bridge = await startStdioBridge({
      command: [process.execPath, SERVER],
      idle_timeout_seconds: 60,
      max_sessions: 4,
      max_sessions_per_principal: 2,
    });
  });
  afterAll(() => bridge.close());

  it('hands the proxy a random secret header', async () => {
    const other = await startStdioBridge({
      command: [process.execPath, SERVER],
      idle_timeout_seconds: 60,
      max_sessions: 1,
      max_sessions_per_principal: 1,
    });
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
