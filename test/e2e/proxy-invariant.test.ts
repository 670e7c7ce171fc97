// The proxy authorizes exactly what it forwards: one regression per class of bypass found by an
// attacker with the official SDK servers behind the proxy (path vs body, resource URIs, session
// channels, tasks, identity headers). Each of these got through before the request was read once
// into a canonical form.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openBudgetLedger } from '@aip/proxy';
import { delegate, issueToken, signRequest } from '@aip/token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, principals, type RunningProxy, startProxy } from '../fixtures/proxy.js';
import {
  startLenientRouter,
  startModernUpstream,
  startPlainUpstream,
  startPythonStyleSseUpstream,
  startSseUpstream,
  startStatefulUpstream,
  startTaskUpstream,
  type Upstream,
} from '../fixtures/upstreams.js';

const p = principals();
/** A token for another agent (another principal) than `p.token`'s. */
const other = (scope: string[]) => issueToken(p.operator, { sub: p.stranger.did, scope, ttl: 600 });
const ACCEPT = 'application/json, text/event-stream';

/** A raw HTTP request: any request target (absolute-form included), any headers. */
function raw(
  url: string,
  options: { method?: string; target: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const base = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: base.hostname,
        port: base.port,
        method: options.method ?? 'POST',
        path: options.target,
        headers: options.headers ?? {},
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const rpc = (method: string, params?: unknown, id: number | null = 1) => ({
  jsonrpc: '2.0',
  ...(id === null ? {} : { id }),
  method,
  ...(params === undefined ? {} : { params }),
});

async function mcpPost(url: string, token: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${url}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: ACCEPT,
      'x-aip-token': token,
      'mcp-protocol-version': '2025-06-18',
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

async function initialize(url: string, token: string): Promise<string> {
  const res = await mcpPost(
    url,
    token,
    rpc(
      'initialize',
      { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      0,
    ),
  );
  await res.text();
  return res.headers.get('mcp-session-id') as string;
}

describe('the path and the body are authorized together', () => {
  let plain: Upstream;
  let lenient: Upstream;
  let plainProxy: RunningProxy;
  let lenientProxy: RunningProxy;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'aip-invariant-'));
    plain = await startPlainUpstream();
    lenient = await startLenientRouter();
    const budget = { budget: { ledger: path.join(dir, 'ledger.db'), costs: { 'tool:*': 1 } } };
    plainProxy = await startProxy(plain.url, [p.operator.did], {}, budget);
    lenientProxy = await startProxy(
      lenient.url,
      [p.operator.did],
      {},
      { ...budget, budget: { ...budget.budget, ledger: path.join(dir, 'l2.db') } },
    );
  });
  afterAll(async () => {
    await plainProxy.close({ graceMs: 100 });
    await lenientProxy.close({ graceMs: 100 });
    await plain.close();
    await lenient.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a JSON-RPC body on a path that routes to a tool, whatever the body asks', async () => {
    const token = p.token(['tool:search']);
    for (const body of [
      rpc('ping'),
      rpc('notifications/initialized', undefined, null),
      rpc('tools/call', { name: 'search' }),
    ]) {
      for (const target of ['/mcp/tools/delete', '/api/TOOLS/delete', '/mcp/tools/%64elete']) {
        const res = await raw(plainProxy.url, {
          target,
          headers: { 'x-aip-token': token, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        expect(res.status, `${target} ${JSON.stringify(body)}`).toBe(400);
      }
    }
    expect(plain.log.tools).toEqual([]);
  });

  it('needs http:<path> for any other path, even with a ping for a body', async () => {
    const token = p.token(['tool:search']);
    const res = await raw(plainProxy.url, {
      target: '/admin/reset',
      headers: { 'x-aip-token': token, 'content-type': 'application/json' },
      body: JSON.stringify(rpc('ping')),
    });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).error.message).toContain('http:/admin/reset');
    const admin = p.token(['tool:search', 'http:/admin/*']);
    expect(
      (
        await raw(plainProxy.url, {
          target: '/admin/reset',
          headers: { 'x-aip-token': admin, 'content-type': 'application/json' },
          body: '{}',
        })
      ).status,
    ).toBe(404); // authorized, and forwarded: the fixture has no such route
  });

  it('refuses a path that names two routes, whichever one a router would pick', async () => {
    const token = p.token(['resource:*', 'tool:search']);
    for (const target of ['/resources/x/tools/delete', '/mcp/resources/docs/tools/delete', '/resources/TOOLS/Delete']) {
      const res = await raw(lenientProxy.url, {
        target,
        headers: { 'x-aip-token': token, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(res.status, target).toBe(400);
    }
    expect(lenient.log.tools.map((t) => t.name)).not.toContain('delete');
  });

  it('refuses a message whose method is not a string (400, not a failure of its own)', async () => {
    const res = await raw(plainProxy.url, {
      target: '/mcp',
      headers: { 'x-aip-token': p.token(['*']), 'content-type': 'application/json' },
      body: '{"jsonrpc":"2.0","id":1,"method":5,"result":{}}',
    });
    expect(res.status).toBe(400);
  });

  it('refuses an absolute-form request target instead of reading its path', async () => {
    const token = p.token(['tool:search']);
    const res = await raw(plainProxy.url, {
      target: `${plain.url}/mcp/tools/delete`,
      headers: { 'x-aip-token': token, 'content-type': 'application/json' },
      body: JSON.stringify(rpc('ping')),
    });
    expect(res.status).toBe(400);
    expect(plain.log.tools).toEqual([]);
  });

  it('never lets headers re-route or re-type a request on a lenient router', async () => {
    const token = p.token(['tool:search']);
    const res = await raw(lenientProxy.url, {
      target: '/mcp/tools/search',
      headers: {
        'x-aip-token': token,
        'content-type': 'application/json',
        'x-original-url': '/mcp/tools/delete',
        'x-rewrite-url': '/mcp/tools/delete',
        'x-http-method-override': 'PUT',
      },
      body: '{}',
    });
    expect(res.status).toBe(200);
    expect(lenient.log.tools.map((t) => t.name)).toEqual(['search']);
  });

  it('charges nothing for what it refuses: no budget escapes through a path', async () => {
    const ledger = openBudgetLedger(path.join(dir, 'ledger.db'));
    expect((await ledger.report()).reduce((sum, s) => sum + s.spent_usd, 0)).toBe(0);
    await ledger.close();
  });
});

describe('resource URIs are authorized as the SDK servers read them', () => {
  let v1: Upstream;
  let v2: Upstream;
  let v1Proxy: RunningProxy;
  let v2Proxy: RunningProxy;
  beforeAll(async () => {
    v1 = await startStatefulUpstream();
    v2 = await startModernUpstream();
    v1Proxy = await startProxy(v1.url, [p.operator.did]);
    v2Proxy = await startProxy(v2.url, [p.operator.did]);
  });
  afterAll(async () => {
    await v1Proxy.close({ graceMs: 100 });
    await v2Proxy.close({ graceMs: 100 });
    await v1.close();
    await v2.close();
  });

  const attacks = [
    'file:///docs/.\t./etc/secret.txt',
    'file:///docs/.\n./etc/secret.txt',
    'file:///docs/.\r./etc/secret.txt',
    'file:///docs/%2e\t%2e/etc/secret.txt',
    'file:///docs/..%2Fetc/secret.txt',
    'file:///docs/../etc/secret.txt',
    'file:///docs\\..\\etc\\secret.txt',
  ];

  it('refuses every spelling that the SDK would read as a URI outside the granted prefix (SDK v1 and v2)', async () => {
    const token = p.token(['resource:file:///docs/*']);
    for (const [proxy, upstream, headers] of [
      [v1Proxy, v1, async () => ({ 'mcp-session-id': await initialize(v1Proxy.url, token) })],
      [v2Proxy, v2, async () => ({ 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'resources/read' })],
    ] as const) {
      const extra = await headers();
      for (const uri of attacks) {
        const modern = 'mcp-method' in extra ? { 'mcp-name': uri.replace(/[\t\n\r]/g, ' ') } : {};
        const res = await mcpPost(proxy.url, token, rpc('resources/read', { uri }), { ...extra, ...modern });
        expect(res.status, JSON.stringify(uri)).toBe(400);
      }
      expect(upstream.log.resources).toEqual([]);
    }
  });

  it('forwards a URI in the form it was authorized in, and the server reads that one', async () => {
    const token = p.token(['resource:file:///docs/*']);
    const session = await initialize(v1Proxy.url, token);
    const res = await mcpPost(v1Proxy.url, token, rpc('resources/read', { uri: 'FILE:///docs/a.txt' }), {
      'mcp-session-id': session,
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('document a');
    expect(v1.log.resources).toEqual(['file:///docs/a.txt']);
  });

  it('holds a 2026-07-28 subscriptions/listen to the resources it subscribes to', async () => {
    const token = p.token(['resource:file:///docs/*']);
    const listen = (uris: string[]) =>
      mcpPost(v2Proxy.url, token, rpc('subscriptions/listen', { notifications: { resourceSubscriptions: uris } }), {
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'subscriptions/listen',
      });
    const refused = await listen(['file:///docs/a.txt', 'file:///etc/secret.txt']);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({
      error: { code: 'aip_scope_insufficient', message: expect.stringContaining('file:///etc/secret.txt') },
    });
  });

  it('holds subscriptions and completion references to the same rules', async () => {
    const token = p.token(['resource:file:///docs/*']);
    const session = await initialize(v1Proxy.url, token);
    for (const body of [
      rpc('resources/subscribe', { uri: 'file:///docs/.\t./etc/secret.txt' }),
      rpc('resources/unsubscribe', { uri: 'file:///docs/..%2Fetc/secret.txt' }),
      rpc('completion/complete', {
        ref: { type: 'ref/resource', uri: 'file:///docs/.\n./{x}' },
        argument: { name: 'x', value: '' },
      }),
      rpc('completion/complete', {
        ref: { type: 'ref/resource', uri: 'file:///etc/{x}' },
        argument: { name: 'x', value: '' },
      }),
    ]) {
      const res = await mcpPost(v1Proxy.url, token, body, { 'mcp-session-id': session });
      expect([400, 403], JSON.stringify(body)).toContain(res.status);
    }
  });
});

describe('sessions are bound on every channel, and fail closed', () => {
  let sdk: Upstream;
  let python: Awaited<ReturnType<typeof startPythonStyleSseUpstream>>;
  let sdkProxy: RunningProxy;
  let pythonProxy: RunningProxy;
  beforeAll(async () => {
    sdk = await startSseUpstream();
    python = await startPythonStyleSseUpstream();
    sdkProxy = await startProxy(sdk.url, [p.operator.did]);
    pythonProxy = await startProxy(python.url, [p.operator.did]);
  });
  afterAll(async () => {
    await sdkProxy.close({ graceMs: 100 });
    await pythonProxy.close({ graceMs: 100 });
    await sdk.close();
    await python.close();
  });

  async function openLegacy(url: string, token: string): Promise<{ endpoint: string; close(): void }> {
    const controller = new AbortController();
    const res = await fetch(`${url}/sse`, {
      headers: { 'x-aip-token': token, accept: 'text/event-stream' },
      signal: controller.signal,
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!/data: (\S+)/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    return { endpoint: (/data: (\S+)/.exec(text) as RegExpExecArray)[1] as string, close: () => controller.abort() };
  }

  it("refuses another principal in a victim's legacy session, even behind an Mcp-Session-Id header of its own", async () => {
    const victim = p.token(['*']);
    const attacker = other(['*']);
    const stream = await openLegacy(sdkProxy.url, victim);
    const ownSession = await initialize(sdkProxy.url, attacker).catch(() => 'none');
    const body = JSON.stringify(rpc('tools/call', { name: 'delete', arguments: { path: '/' } }));
    const twoChannels = await raw(sdkProxy.url, {
      target: stream.endpoint,
      headers: { 'x-aip-token': attacker, 'content-type': 'application/json', 'mcp-session-id': ownSession },
      body,
    });
    expect(twoChannels.status).toBe(400);
    const alone = await raw(sdkProxy.url, {
      target: stream.endpoint,
      headers: { 'x-aip-token': attacker, 'content-type': 'application/json' },
      body,
    });
    expect(alone.status).toBe(403);
    expect(JSON.parse(alone.body).error.code).toBe('aip_session_forbidden');
    expect(sdk.log.tools).toEqual([]);
    stream.close();
  });

  it('binds the Python SDK spelling (session_id) too, and serves the session to its owner', async () => {
    const victim = p.token(['tool:search']);
    const attacker = other(['*']);
    const stream = await openLegacy(pythonProxy.url, victim);
    expect(stream.endpoint).toMatch(/^\/messages\/\?session_id=[A-Za-z0-9_-]{60,}$/);
    const call = (token: string, tool: string) =>
      raw(pythonProxy.url, {
        target: stream.endpoint,
        headers: { 'x-aip-token': token, 'content-type': 'application/json' },
        body: JSON.stringify(rpc('tools/call', { name: tool })),
      });
    expect((await call(attacker, 'delete')).status).toBe(403);
    expect((await call(victim, 'search')).status).toBe(202);
    expect(python.ranIn.map((r) => r.tool)).toEqual(['search']);
    stream.close();
  });

  it('refuses ids it cannot vouch for, and keeps the binding across a restart with a shared secret', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'aip-secret-'));
    const secret = path.join(dir, 'session.secret');
    await writeFile(secret, randomBytes(32), { mode: 0o600 });
    const upstream = await startStatefulUpstream();
    const document = { state: { session_secret_file: secret } };
    const victim = p.token(['*']);
    const attacker = other(['*']);
    let proxy = await startProxy(upstream.url, [p.operator.did], {}, document);
    const session = await initialize(proxy.url, victim);
    const upstreamId = [...(upstream as unknown as { sessions: Map<string, unknown> }).sessions.keys()][0] as string;
    await proxy.close({ graceMs: 100 });
    proxy = await startProxy(upstream.url, [p.operator.did], {}, document);
    // After the restart the first presenter of a leaked id does not take the session over.
    expect((await mcpPost(proxy.url, attacker, rpc('tools/list'), { 'mcp-session-id': session })).status).toBe(403);
    // The raw upstream id, had it leaked, is unknown to the proxy.
    expect((await mcpPost(proxy.url, attacker, rpc('tools/list'), { 'mcp-session-id': upstreamId })).status).toBe(404);
    expect((await mcpPost(proxy.url, victim, rpc('tools/list'), { 'mcp-session-id': session })).status).toBe(200);
    await proxy.close({ graceMs: 100 });
    // A proxy with another secret cannot vouch for the id at all.
    const foreign = await startProxy(upstream.url, [p.operator.did]);
    expect((await mcpPost(foreign.url, victim, rpc('tools/list'), { 'mcp-session-id': session })).status).toBe(404);
    await foreign.close({ graceMs: 100 });
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  });
});

describe('without a proof, a subject named in a link of the caller is no identity', () => {
  let upstream: Upstream;
  let proxy: RunningProxy;
  let proven: RunningProxy;
  beforeAll(async () => {
    upstream = await startTaskUpstream();
    proxy = await startProxy(upstream.url, [p.operator.did]);
    proven = await startProxy(upstream.url, [p.operator.did], {}, { pop: { required: true } });
  });
  afterAll(async () => {
    await proxy.close({ graceMs: 100 });
    await proven.close({ graceMs: 100 });
    await upstream.close();
  });

  const post = (url: string, token: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: ACCEPT,
        'x-aip-token': token,
        'mcp-protocol-version': '2025-11-25',
        ...headers,
      },
      body: JSON.stringify(body),
    });

  it("keeps another agent out of a victim's tasks even with a chain it delegated to the victim's DID", async () => {
    const bob = p.token(['tool:admin']);
    const created = await post(
      proxy.url,
      bob,
      rpc('tools/call', { name: 'admin', arguments: { q: 'payroll' }, task: { ttl: 60_000 } }),
    );
    const taskId = ((await created.json()) as { result: { task: { taskId: string } } }).result.task.taskId;
    // Mallory may delegate once: she appends a link naming Bob, signed with her own key.
    const mallory = principals();
    const root = issueToken(p.operator, { sub: mallory.agent.did, scope: ['tool:search'], maxDepth: 1, ttl: 600 });
    const posing = delegate(root, mallory.agent, { to: p.agent.did, scope: ['tool:search'], context: 'pose as bob' });
    const listed = (await (await post(proxy.url, posing, rpc('tasks/list'))).json()) as {
      result: { tasks: unknown[] };
    };
    expect(listed.result.tasks).toEqual([]);
    expect((await post(proxy.url, posing, rpc('tasks/result', { taskId }))).status).toBe(400);
    // With proofs required, the chain naming Bob is useless without Bob's key.
    expect((await post(proven.url, posing, rpc('tasks/list'))).status).toBe(401);
  });

  it('follows a proven agent across its tokens, and binds an unproven one to the exact credential', async () => {
    const signed = (token: string, body: unknown) => {
      const text = JSON.stringify(body);
      const proof = signRequest(p.agent, { token, method: 'POST', path: '/mcp', body: text, audience: proven.url });
      return fetch(`${proven.url}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: ACCEPT,
          'x-aip-token': token,
          'x-aip-proof': proof,
          'mcp-protocol-version': '2025-11-25',
        },
        body: text,
      });
    };
    const first = p.token(['tool:admin']);
    const created = await signed(
      first,
      rpc('tools/call', { name: 'admin', arguments: { q: 'q3' }, task: { ttl: 60_000 } }),
    );
    const taskId = ((await created.json()) as { result: { task: { taskId: string } } }).result.task.taskId;
    const second = p.token(['tool:admin']);
    expect(
      ((await (await signed(second, rpc('tasks/get', { taskId }))).json()) as { result: { taskId: string } }).result
        .taskId,
    ).toBe(taskId);
  });
});

describe('tasks are bound to the principal that created them', () => {
  let upstream: Upstream;
  let proxy: RunningProxy;
  beforeAll(async () => {
    upstream = await startTaskUpstream();
    proxy = await startProxy(upstream.url, [p.operator.did]);
  });
  afterAll(async () => {
    await proxy.close({ graceMs: 100 });
    await upstream.close();
  });

  const post = (token: string, body: unknown) =>
    mcpPost(proxy.url, token, body, { 'mcp-protocol-version': '2025-11-25' });

  it("lets no one else list, read or cancel a principal's task behind a stateless server with a shared store", async () => {
    const admin = p.token(['tool:admin']);
    const searcher = other(['tool:search']);
    const created = await post(
      admin,
      rpc('tools/call', { name: 'admin', arguments: { q: 'payroll' }, task: { ttl: 60_000 } }),
    );
    const taskId = ((await created.json()) as { result: { task: { taskId: string } } }).result.task.taskId;
    const before = upstream.log.http.length;
    const listed = (await (await post(searcher, rpc('tasks/list'))).json()) as { result: { tasks: unknown[] } };
    expect(listed.result.tasks).toEqual([]);
    for (const method of ['tasks/get', 'tasks/result', 'tasks/cancel']) {
      const res = await post(searcher, rpc(method, { taskId }, 9));
      expect(res.status, method).toBe(400);
      expect(await res.json()).toMatchObject({
        id: 9,
        error: { code: -32602, message: 'Invalid params: unknown task' },
      });
    }
    expect(upstream.log.http.length).toBe(before + 1); // only the (filtered) tasks/list got through
    const mine = (await (await post(admin, rpc('tasks/result', { taskId }))).json()) as {
      result: { content: { text: string }[] };
    };
    expect(mine.result.content[0]?.text).toBe('admin result for payroll');
    const ownList = (await (await post(admin, rpc('tasks/list'))).json()) as {
      result: { tasks: { taskId: string }[] };
    };
    expect(ownList.result.tasks.map((t) => t.taskId)).toEqual([taskId]);
  });
});

describe('identity headers cannot be spoofed in any spelling', () => {
  let upstream: Upstream;
  let proxy: RunningProxy;
  beforeAll(async () => {
    upstream = await startPlainUpstream();
    proxy = await startProxy(upstream.url, [p.operator.did]);
  });
  afterAll(async () => {
    await proxy.close({ graceMs: 100 });
    await upstream.close();
  });

  it('strips every name that folds into an X-AIP-* header, and every client Forwarded header', async () => {
    const res = await raw(proxy.url, {
      target: '/mcp/tools/search',
      headers: {
        'x-aip-token': p.token(['tool:search']),
        'content-type': 'application/json',
        X_AIP_Subject: 'did:key:admin',
        X_AIP_Scope: '*',
        'X-AIP-Verified': 'true',
        X_Forwarded_For: '10.0.0.1',
        Forwarded: 'for=10.0.0.1;host=admin.internal',
        'X-Forwarded-Host': 'admin.internal',
        'X-Real-IP': '10.0.0.1',
      },
      body: '{}',
    });
    expect(res.status).toBe(200);
    const got = upstream.log.http.at(-1)?.headers ?? {};
    for (const name of Object.keys(got)) expect(name, name).not.toContain('_');
    expect(got).toMatchObject({ 'x-aip-subject': p.agent.did, 'x-forwarded-for': '127.0.0.1' });
    expect(got.forwarded).toBeUndefined();
    expect(got['x-real-ip']).toBeUndefined();
    expect(got['x-forwarded-host']).not.toBe('admin.internal');
  });

  it('answers a refusal whose metadata URL comes from the configuration, never from Host', async () => {
    const configured = await startProxy(
      upstream.url,
      [p.operator.did],
      {},
      { proxy: { public_url: 'https://mcp.example.com' } },
    );
    const res = await raw(configured.url, { method: 'GET', target: '/mcp', headers: { host: 'evil.example' } });
    expect(res.status).toBe(401);
    expect(String(res.headers['www-authenticate'])).toContain(
      'resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"',
    );
    expect(String(res.headers['www-authenticate'])).not.toContain('evil');
    await configured.close({ graceMs: 100 });
    void errorOf;
  });
});
