// No caller can starve another: work an unauthenticated or refused caller can cause (parsing,
// replay claims, streams, child processes, upstream connections) is bounded per caller before it
// is spent, and one abusive principal at full rate leaves another's latency where it was.
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createMemoryReplayClaims } from '@aip/proxy';
import { issueToken, signRequest } from '@aip/token';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, principals, type RunningProxy, startProxy } from '../fixtures/proxy.js';
import { startPlainUpstream, startStatefulUpstream, type Upstream } from '../fixtures/upstreams.js';

const p = principals();
const STDIO_SERVER = fileURLToPath(new URL('../fixtures/stdio-server.mjs', import.meta.url));
const ACCEPT = 'application/json, text/event-stream';
const agent = (scope: string[]) => {
  const holder = principals().agent;
  return { holder, token: issueToken(p.operator, { sub: holder.did, scope, ttl: 600 }) };
};

describe('streams and upstream connections', () => {
  let upstream: Upstream;
  let proxy: RunningProxy;
  beforeAll(async () => {
    upstream = await startStatefulUpstream();
    proxy = await startProxy(
      upstream.url,
      [p.operator.did],
      {},
      { rate_limit: { max_streams: 3, refusal_delay_ms: 0 } },
    );
  });
  afterAll(async () => {
    await proxy.close({ graceMs: 100 });
    await upstream.close();
  });

  const initialize = async (token: string): Promise<string> => {
    const res = await fetch(`${proxy.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: ACCEPT, 'x-aip-token': token },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'g', version: '1' } },
      }),
    });
    await res.text();
    return res.headers.get('mcp-session-id') as string;
  };

  it("caps one grant's open streams, and others are served while they stay open", async () => {
    const greedy = agent(['*']);
    const sessions = await Promise.all(Array.from({ length: 12 }, () => initialize(greedy.token)));
    const controller = new AbortController();
    const streams = await Promise.all(
      sessions.map((session) =>
        fetch(`${proxy.url}/mcp`, {
          headers: {
            accept: 'text/event-stream',
            'x-aip-token': greedy.token,
            'mcp-session-id': session,
            'mcp-protocol-version': '2025-06-18',
          },
          signal: controller.signal,
        }),
      ),
    );
    const statuses = streams.map((s) => s.status).sort();
    expect(statuses).toEqual([200, 200, 200, ...Array(9).fill(429)]);
    // Another principal's call goes through at once, and so does its own stream.
    const polite = agent(['tool:search']);
    const session = await initialize(polite.token);
    const stream = await fetch(`${proxy.url}/mcp`, {
      headers: {
        accept: 'text/event-stream',
        'x-aip-token': polite.token,
        'mcp-session-id': session,
        'mcp-protocol-version': '2025-06-18',
      },
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    controller.abort();
  });
});

describe('stalled upstream bodies', () => {
  let stalled: Server;
  let proxy: RunningProxy;
  beforeAll(async () => {
    stalled = createServer((req, res) => {
      if (req.url?.startsWith('/mcp/tools/stall')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"partial":'); // and never more
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    proxy = await startProxy(
      `http://127.0.0.1:${(stalled.address() as AddressInfo).port}`,
      [p.operator.did],
      {},
      { proxy: { upstream_body_timeout_seconds: 1 } },
    );
  });
  afterAll(async () => {
    await proxy.close({ graceMs: 100 });
    stalled.closeAllConnections();
    await new Promise<void>((resolve) => stalled.close(() => resolve()));
  });

  it('cut a silent body, and never hold up other callers', async () => {
    const token = p.token(['tool:*']);
    const call = (tool: string) =>
      fetch(`${proxy.url}/mcp/tools/${tool}`, { method: 'POST', headers: { 'x-aip-token': token }, body: '{}' });
    const stalls = await Promise.all(Array.from({ length: 30 }, () => call('stall')));
    const ok = await call('fine');
    expect(await ok.json()).toEqual({ ok: true });
    // Each stalled body is cut once it has been silent for the configured time.
    for (const res of stalls) await expect(res.text()).rejects.toThrow();
  });
});

describe('unauthenticated and refused callers', () => {
  let upstream: Upstream;
  let proxy: RunningProxy;
  beforeAll(async () => {
    upstream = await startPlainUpstream();
    proxy = await startProxy(
      upstream.url,
      [p.operator.did],
      {},
      { rate_limit: { unauthenticated_per_minute: 10, refusal_delay_ms: 0 }, pop: { required: true } },
    );
  });
  afterAll(async () => {
    await proxy.close({ graceMs: 100 });
    await upstream.close();
  });

  it('limits requests without a valid credential per address', async () => {
    const statuses = [];
    for (let i = 0; i < 30; i++)
      statuses.push((await fetch(`${proxy.url}/mcp`, { method: 'POST', body: '{}' })).status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
  });

  it('refuses a deeply nested body before parsing it', async () => {
    const parser = await startProxy(upstream.url, [p.operator.did]);
    const depth = 2 * 1024 * 1024;
    const body = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const res = await fetch(`${parser.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-aip-token': p.token(['*']) },
      body,
    });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toContain('nest at most 64 levels');
    await parser.close({ graceMs: 100 });
  });
});

describe('bodies', () => {
  let upstream: Upstream;
  let proxy: RunningProxy;
  beforeAll(async () => {
    upstream = await startPlainUpstream();
    proxy = await startProxy(
      upstream.url,
      [p.operator.did],
      {},
      { rate_limit: { body_bytes_per_minute: 1024 * 1024, refusal_delay_ms: 0 } },
    );
  });
  afterAll(async () => {
    await proxy.close({ graceMs: 100 });
    await upstream.close();
  });

  const chunked = (token: string, size: number) =>
    new Promise<number>((resolve, reject) => {
      const url = new URL(`${proxy.url}/mcp/tools/search`);
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: url.pathname,
          headers: { 'x-aip-token': token, 'content-type': 'application/json' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      for (let sent = 0; sent < size; sent += chunk.length) req.write(chunk);
      req.end('{}');
    });

  it('pays for a chunked body as it is read: a grant cannot send more bytes than its allowance', async () => {
    const token = p.token(['tool:search']);
    expect(await chunked(token, 900 * 1024)).toBe(200);
    expect(await chunked(token, 900 * 1024)).toBe(429);
  });

  it('does not read the body of a request it refuses before reading it: the connection closes', async () => {
    const statusAndClose = await new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
      const url = new URL(`${proxy.url}/mcp`);
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: url.pathname,
          headers: { 'content-length': String(512 * 1024 * 1024) },
        },
        (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, connection: res.headers.connection });
        },
      );
      req.on('error', reject);
      req.write(Buffer.alloc(1024));
    });
    expect(statusAndClose).toEqual({ status: 401, connection: 'close' });
  });
});

describe('the replay store', () => {
  let upstream: Upstream;
  let proxy: RunningProxy;
  beforeAll(async () => {
    upstream = await startPlainUpstream();
    proxy = await startProxy(
      upstream.url,
      [p.operator.did],
      { stores: { replay: createMemoryReplayClaims({ maxEntries: 8, maxPerHolder: 8 }) } },
      { pop: { required: true } },
    );
  });
  afterAll(async () => {
    await proxy.close({ graceMs: 100 });
    await upstream.close();
  });

  const signed = (holder: ReturnType<typeof agent>, tool: string) => {
    const target = `/mcp/tools/${tool}`;
    const proof = signRequest(holder.holder, {
      token: holder.token,
      method: 'POST',
      path: target,
      body: '{}',
      audience: proxy.url,
    });
    return fetch(`${proxy.url}${target}`, {
      method: 'POST',
      headers: { 'x-aip-token': holder.token, 'x-aip-proof': proof },
      body: '{}',
    });
  };

  it('is filled only by admitted requests: refused ones with valid proofs lock no one out', async () => {
    const attacker = agent(['tool:search']);
    for (let i = 0; i < 40; i++) expect((await signed(attacker, 'delete')).status).toBe(403);
    const victim = agent(['tool:search']);
    expect((await signed(victim, 'search')).status).toBe(200);
  });
});

describe('stdio children', () => {
  let proxy: RunningProxy;
  beforeAll(async () => {
    proxy = await startProxy(
      'http://127.0.0.1:9',
      [p.operator.did],
      { stdio: [process.execPath, STDIO_SERVER] },
      { stdio: { max_sessions_per_principal: 2 } },
    );
  });
  afterAll(() => proxy.close({ graceMs: 100 }));

  const initialize = (token: string) =>
    fetch(`${proxy.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: ACCEPT, 'x-aip-token': token },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 's', version: '1' } },
      }),
    });

  it('keep one grant to its share of the children, and others still get theirs', async () => {
    const greedy = p.token(['*']);
    const opened = await Promise.all(Array.from({ length: 4 }, () => initialize(greedy)));
    await Promise.all(opened.map((r) => r.text()));
    expect(opened.map((r) => r.status).sort()).toEqual([200, 200, 429, 429]);
    const other = await initialize(p.token(['*']));
    expect(other.status).toBe(200);
    await other.text();
  });
});

describe('fairness under abuse', () => {
  let upstream: Upstream;
  let proxy: RunningProxy;
  beforeAll(async () => {
    upstream = await startPlainUpstream();
    proxy = await startProxy(
      upstream.url,
      [p.operator.did],
      {},
      { rate_limit: { principal_per_minute: 6000, max_concurrent: 4, max_streams: 2 } },
    );
  });
  afterAll(async () => {
    await proxy.close({ graceMs: 100 });
    await upstream.close();
  });

  async function victimP50(dispatcher: Agent, token: string, n: number): Promise<number> {
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const started = performance.now();
      const res = await request(`${proxy.url}/mcp/tools/search`, {
        method: 'POST',
        headers: { 'x-aip-token': token },
        body: '{}',
        dispatcher,
      });
      await res.body.dump();
      expect(res.statusCode).toBe(200);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)] as number;
  }

  it("one principal at full rate does not move another principal's p50 by more than 2x", async () => {
    const victim = agent(['tool:search']);
    const abuser = agent(['*']);
    const victimAgent = new Agent({ connections: 1 });
    await victimP50(victimAgent, victim.token, 50); // warm up
    const alone = await victimP50(victimAgent, victim.token, 300);

    // The abuser: 32 connections in closed loops, mixing big nested bodies, streams and calls.
    const abuseAgent = new Agent({ connections: 32 });
    const nested = `${'['.repeat(2 * 1024 * 1024)}${']'.repeat(2 * 1024 * 1024)}`;
    let stop = false;
    let sent = 0;
    const loops = Array.from({ length: 32 }, async (_, i) => {
      while (!stop) {
        const kind = (sent++ + i) % 3;
        try {
          const res = await request(`${proxy.url}${kind === 1 ? '/mcp' : '/mcp/tools/search'}`, {
            method: kind === 1 ? 'GET' : 'POST',
            headers: { 'x-aip-token': abuser.token, accept: 'text/event-stream' },
            ...(kind === 1 ? {} : { body: kind === 0 ? nested : '{}' }),
            dispatcher: abuseAgent,
            headersTimeout: 5000,
            bodyTimeout: 200,
          });
          await res.body.dump().catch(() => undefined);
        } catch {
          // refused, timed out or cut: the abuser just goes on
        }
      }
    });
    await new Promise((r) => setTimeout(r, 500));
    const underAbuse = await victimP50(victimAgent, victim.token, 300);
    stop = true;
    await Promise.all(loops);
    await abuseAgent.close();
    await victimAgent.close();
    expect(sent).toBeGreaterThan(32);
    // Generous margins: the figure itself goes to the benchmark.
    expect(underAbuse, `alone ${alone.toFixed(2)} ms, under abuse ${underAbuse.toFixed(2)} ms`).toBeLessThan(
      Math.max(2 * alone, alone + 2),
    );
  });
});
