import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, type RequestContext } from '../../src/pipeline/context.js';
import { ANSWERED } from '../../src/pipeline/stage.js';
import { forwardStage } from '../../src/pipeline/stages/forward.js';
import { principalKey } from '../../src/principal.js';
import { parseTarget } from '../../src/request/target.js';
import { openBudgetLedger } from '../../src/state/budget-ledger.js';
import type { SessionSeal } from '../../src/state/session-seal.js';
import { StoreUnavailableError } from '../../src/state/store-unavailable.js';
import { a2aContextKey, a2aTaskKey } from '../../src/state/task-bindings.js';
import { StreamRegistry } from '../../src/upstream/relay.js';
import { fakeContext, fakeWorld } from '../helpers/fake-context.js';

let upstream: Server;
let origin: URL;
const seen: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];
beforeAll(async () => {
  upstream = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ url: req.url as string, headers: req.headers, body });
      if (req.url?.startsWith('/hangup')) {
        req.socket.destroy();
        return;
      }
      if (req.url?.startsWith('/short')) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"partial":');
        res.socket?.destroy();
        return;
      }
      if (req.method === 'HEAD') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '42' });
        res.end();
        return;
      }
      if (req.url?.startsWith('/large')) {
        // A body relayed as it comes, still arriving.
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '1000000' });
        res.write('abc');
        return;
      }
      if (req.url?.startsWith('/a2a')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ jsonrpc: '2.0', id: 1, result: { task: { id: 't-new', contextId: 'c-new', status: {} } } }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'upstream-session' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: 1, result: { tools: [{ name: 'search' }, { name: 'delete' }] } }));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  origin = new URL(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
});
afterAll(() => new Promise<void>((resolve) => upstream.close(() => resolve())));

function setup(document = {}) {
  const world = fakeWorld(document);
  const pool = new Pool(origin.origin, { connections: null });
  const stage = forwardStage({
    ...world.services,
    pool,
    upstreamOrigin: origin,
    extraHeaders: {},
    publicBase: () => 'https://mcp.example.com',
    streams: new StreamRegistry(),
  });
  return { world, pool, stage };
}

function ready(
  world: ReturnType<typeof fakeWorld>,
  url: string,
  headers: Record<string, string> = {},
  lists = false,
): RequestContext {
  const body = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}';
  const ctx = fakeContext({ url, headers: { 'content-type': 'application/json', ...headers }, body });
  const target = parseTarget(url);
  if (target.ok) ctx.target = target.target;
  ctx.principal = world.principal(['tool:search']);
  ctx.binding = principalKey(ctx.principal, false);
  ctx.body = Buffer.from(body);
  ctx.plan = {
    protocol: 'mcp',
    operations: [{ kind: 'open', method: 'tools/list' }],
    method: 'tools/list',
    names: [],
    taskIds: [],
    contextIds: [],
    lists,
    createsTask: false,
    card: false,
    stream: false,
    body: undefined,
  };
  return ctx;
}

describe('stage forward', () => {
  it('forwards the canonical target with the upstream session id, and only the headers the policy lets through', async () => {
    const { world, pool, stage } = setup();
    const ctx = ready(world, '/message?sessionId=sealed&x=a%20b', {
      x_aip_subject: 'did:key:evil',
      'x-aip-subject': 'did:key:evil',
      'x-forwarded-for': '6.6.6.6',
      forwarded: 'for=6.6.6.6',
      'x-original-url': '/admin/reset',
      'x-http-method-override': 'DELETE',
      'x-custom': 'kept',
    });
    ctx.session = { upstreamId: 'upstream-session', channel: 'sessionId' };
    expect(await stage.run(ctx)).toBe(ANSWERED);
    const got = seen.at(-1);
    expect(got?.url).toBe('/message?sessionId=upstream-session&x=a%20b');
    expect(got?.headers).toMatchObject({
      'x-aip-subject': world.agent.did,
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'https',
      'x-custom': 'kept',
    });
    for (const name of ['x_aip_subject', 'forwarded', 'x-original-url', 'x-http-method-override'])
      expect(got?.headers[name], name).toBeUndefined();
    await pool.close();
  });

  it("never forwards the caller's AIP token, whichever scheme carried it; an upstream's own bearer goes on", async () => {
    const { world, pool, stage } = setup();
    const token = world.token(['tool:search']);
    for (const [authorization, forwarded] of [
      [`Bearer ${token}`, undefined],
      [`AIP ${token}`, undefined],
      ['Bearer upstream-own-key', 'Bearer upstream-own-key'],
    ] as const) {
      await stage.run(ready(world, '/mcp', { authorization }));
      expect(seen.at(-1)?.headers.authorization, authorization.slice(0, 12)).toBe(forwarded);
    }
    await pool.close();
  });

  it('seals the session id the upstream issues and filters a list to the scope', async () => {
    const { world, pool, stage } = setup();
    const ctx = ready(world, '/mcp', {}, true);
    await stage.run(ctx);
    const { headers, body } = (
      ctx.res as unknown as { written(): { headers: Record<string, string>; body: string } }
    ).written();
    const sealed = headers['mcp-session-id'] as string;
    expect(sealed).not.toBe('upstream-session');
    expect(
      (world.services.seal as SessionSeal).open(
        'session',
        sealed,
        ctx.binding as string,
        Math.floor(world.clock.nowMs() / 1000),
        60,
      ),
    ).toEqual({
      ok: true,
      id: 'upstream-session',
    });
    expect(JSON.parse(body).result.tools).toEqual([{ name: 'search' }]);
    await pool.close();
  });

  it('answers a JSON 502 when the upstream fails before a byte was sent, audited as an error with its cause', async () => {
    const { world, pool, stage } = setup();
    for (const url of ['/hangup', '/short']) {
      const ctx = ready(world, url, {}, true);
      expect(await stage.run(ctx)).toBe(ANSWERED);
      const written = (ctx.res as unknown as { written(): { status: number; body: string } }).written();
      expect(written.status, url).toBe(502);
      expect(JSON.parse(written.body)).toMatchObject({ error: { code: 'aip_upstream_unavailable' } });
      expect(world.respond.audits.at(-1)).toMatchObject({
        decision: 'error',
        code: 'aip_upstream_unavailable',
        cause: expect.any(String),
      });
    }
    await pool.close();
  });

  it('settles a pending charge: refunded when the upstream could not be reached, kept once delivered', async () => {
    const { world, pool, stage } = setup();
    const ledger = openBudgetLedger(':memory:');
    const chain = [{ id: 'root', budget: 1 }];
    const meta = { subject: 's', tools: ['search'], now: 1 };
    await ledger.charge('delivered', chain, 0.1, meta);
    await ledger.charge('unreachable', chain, 0.1, meta);
    const delivered = ready(world, '/mcp');
    Object.assign(delivered, { id: 'delivered', charged: true });
    await forwardStage({
      ...world.services,
      ledger,
      pool,
      upstreamOrigin: origin,
      extraHeaders: {},
      publicBase: () => 'https://mcp.example.com',
      streams: new StreamRegistry(),
    }).run(delivered);
    const downPool = new Pool('http://127.0.0.1:9');
    const unreachable = ready(world, '/mcp');
    Object.assign(unreachable, { id: 'unreachable', charged: true });
    await forwardStage({
      ...world.services,
      ledger,
      pool: downPool,
      upstreamOrigin: new URL('http://127.0.0.1:9'),
      extraHeaders: {},
      publicBase: () => 'https://mcp.example.com',
      streams: new StreamRegistry(),
    }).run(unreachable);
    const states = Object.fromEntries((await ledger.charges()).map((c) => [c.request_id, c.state]));
    expect(states).toEqual({ delivered: 'delivered', unreachable: 'refunded' });
    expect((await ledger.report(['root']))[0]?.spent_usd).toBe(0.1);
    await Promise.all([ledger.close(), pool.close(), downPool.close()]);
    void stage;
  });

  it('answers a delivered call even when the ledger cannot take its settlement (the charge stays pending)', async () => {
    const { world, pool } = setup();
    const ledger = openBudgetLedger(':memory:');
    const chain = [{ id: 'root', budget: 1 }];
    await ledger.charge('settle-fails', chain, 0.1, { subject: 's', tools: ['search'], now: 1 });
    const warnings: string[] = [];
    const ctx = ready(world, '/mcp');
    Object.assign(ctx, { id: 'settle-fails', charged: true });
    await forwardStage({
      ...world.services,
      ledger: {
        ...ledger,
        settle: () => Promise.reject(new StoreUnavailableError('postgres', 'ECONNREFUSED')),
      },
      logger: { info() {}, warn: (message) => void warnings.push(message), error() {} },
      pool,
      upstreamOrigin: origin,
      extraHeaders: {},
      publicBase: () => 'https://mcp.example.com',
      streams: new StreamRegistry(),
    }).run(ctx);
    expect((ctx.res as unknown as { written(): { status: number } }).written().status).toBe(200);
    expect(warnings).toEqual(['budget charge left pending (the ledger did not answer)']);
    expect((await ledger.charges())[0]?.state).toBe('pending');
    await Promise.all([ledger.close(), pool.close()]);
  });

  it("answers a HEAD with the upstream's own Content-Length", async () => {
    const { world, pool, stage } = setup();
    const ctx = fakeContext({ method: 'HEAD', url: '/mcp' });
    const target = parseTarget('/mcp');
    if (target.ok) ctx.target = target.target;
    ctx.principal = world.principal(['tool:search']);
    ctx.binding = principalKey(ctx.principal, false);
    ctx.plan = { ...(ready(world, '/mcp').plan as NonNullable<RequestContext['plan']>), method: 'HEAD /mcp' };
    expect(await stage.run(ctx)).toBe(ANSWERED);
    const written = (
      ctx.res as unknown as { written(): { status: number; headers: Record<string, unknown> } }
    ).written();
    expect(written.status).toBe(200);
    expect(written.headers['content-length']).toBe('42');
    await pool.close();
  });

  it('lets a client leave while its charge settles: no crash, no hang, audited as gone', async () => {
    const { world, pool } = setup();
    let client: Socket | undefined;
    const stage = forwardStage({
      ...world.services,
      // The client leaves as the settlement starts; the settlement takes a round trip.
      ledger: {
        settle: () => {
          client?.destroy();
          return new Promise<void>((r) => setTimeout(r, 80));
        },
      } as never,
      pool,
      upstreamOrigin: origin,
      extraHeaders: {},
      publicBase: () => 'https://mcp.example.com',
      streams: new StreamRegistry(),
    });
    let resolve: (value: unknown) => void = () => {};
    const outcome = new Promise<unknown>((r) => {
      resolve = r;
    });
    const front = createServer((req, res) => {
      const ctx = createContext(req, res, 'gone', 0);
      const target = parseTarget('/large');
      if (target.ok) ctx.target = target.target;
      ctx.principal = world.principal(['tool:search']);
      ctx.binding = principalKey(ctx.principal, false);
      ctx.charged = true;
      ctx.plan = { ...(ready(world, '/large').plan as NonNullable<RequestContext['plan']>) };
      Promise.resolve(stage.run(ctx)).then(resolve, resolve);
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    const socket = connect((front.address() as AddressInfo).port, '127.0.0.1', () =>
      socket.write('GET /large HTTP/1.1\r\nhost: x\r\n\r\n'),
    );
    socket.on('error', () => {});
    client = socket;
    expect(await outcome).toBe(ANSWERED);
    front.close();
    expect(world.respond.audits.at(-1)).toMatchObject({
      status: 499,
      cause: 'the client went away',
      upstream_status: 200,
    });
    await pool.close();
  });

  it('hands an A2A agent the chain delegated to it, and binds the task and context its answer names to the caller', async () => {
    const { world, pool, stage } = setup();
    const ctx = ready(world, '/a2a');
    ctx.agent = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
    ctx.credential = { kind: 'aip', token: 'the-chain' };
    ctx.plan = { ...(ctx.plan as NonNullable<RequestContext['plan']>), protocol: 'a2a', createsTask: true };
    expect(await stage.run(ctx)).toBe(ANSWERED);
    expect(seen.at(-1)?.headers['x-aip-delegation']).toBe('the-chain');
    const now = Math.floor(world.clock.nowMs() / 1000);
    const me = ctx.binding;
    expect(await world.services.tasks.owner(a2aTaskKey('t-new'), now)).toBe(me);
    expect(await world.services.tasks.owner(a2aContextKey('c-new'), now)).toBe(me);
    // An MCP request never hands its token on.
    const mcp = ready(world, '/mcp');
    mcp.credential = { kind: 'aip', token: 'the-chain' };
    await stage.run(mcp);
    expect(seen.at(-1)?.headers['x-aip-delegation']).toBeUndefined();
    await pool.close();
  });
});
