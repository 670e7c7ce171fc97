import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { agentIdentityOf, publishAipIdentity } from '@aip/a2a';
import { generateIdentity } from '@aip/identity';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentCards } from '../src/pipeline/agent-cards.js';
import { ANSWERED } from '../src/pipeline/stage.js';
import { parseTarget } from '../src/request/target.js';
import { fakeContext, fakeWorld, type Written } from './helpers/fake-context.js';

const agent = generateIdentity();
let upstream: Server;
let origin: URL;
let answer: { status: number; type: string; body: string } | undefined;
const seen: IncomingHttpHeaders[] = [];
const card = () => ({
  name: 'researcher',
  description: 'finds things',
  version: '1.0.0',
  supportedInterfaces: [{ url: `${origin.origin}/a2a/jsonrpc`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
  capabilities: { streaming: true },
  defaultInputModes: ['text/plain'],
  defaultOutputModes: ['text/plain'],
  skills: [],
});

beforeAll(async () => {
  upstream = createServer((req, res) => {
    seen.push(req.headers);
    const out = answer ?? { status: 200, type: 'application/json', body: JSON.stringify(card()) };
    res.writeHead(out.status, { 'content-type': out.type, 'cache-control': 'public, max-age=60', vary: 'A2A-Version' });
    res.end(out.body);
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  origin = new URL(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
});
afterAll(() => new Promise<void>((resolve) => upstream.close(() => resolve())));

function setup(document = {}) {
  const world = fakeWorld({ a2a: { agent_did: agent.did, paths: ['/a2a/jsonrpc'] }, ...document });
  const pool = new Pool(origin.origin);
  const cards = createAgentCards({
    ...world.services,
    pool,
    upstreamOrigin: origin,
    extraHeaders: {},
    publicBase: () => 'https://agent.example',
  });
  const request = (method: string, headers: Record<string, string> = {}) => {
    const ctx = fakeContext({ method, url: '/.well-known/agent-card.json', headers });
    const target = parseTarget('/.well-known/agent-card.json');
    if (target.ok) ctx.target = target.target;
    return ctx;
  };
  return { world, pool, cards, request };
}
const written = (ctx: ReturnType<typeof fakeContext>) => (ctx.res as unknown as { written(): Written }).written();

describe('the agent card route', () => {
  it("serves the agent's card with the AIP identity and the proxy's URL, asking for the version the client asked for", async () => {
    answer = undefined;
    const { cards, request, pool } = setup({ pop: { required: true } });
    const ctx = request('GET', { 'a2a-version': '1.0' });
    expect(await cards.serve(ctx)).toBe(ANSWERED);
    const out = written(ctx);
    expect(out.status).toBe(200);
    expect(out.headers).toMatchObject({
      'content-type': 'application/json',
      'cache-control': 'public, max-age=60',
      vary: 'A2A-Version',
    });
    const served = JSON.parse(out.body);
    expect(agentIdentityOf(served)).toMatchObject({ did: agent.did, proofRequired: true });
    expect(served.supportedInterfaces[0].url).toBe('https://agent.example/a2a/jsonrpc');
    expect(seen.at(-1)?.['a2a-version']).toBe('1.0');
    expect(seen.at(-1)?.['x-aip-token']).toBeUndefined();
    await pool.close();
  });

  it('serves a card that already says everything byte for byte', async () => {
    const { cards, request, pool, world } = setup();
    const published = publishAipIdentity(card(), {
      identity: { did: agent.did, proofRequired: false, trustedIssuers: [world.operator.did] },
      rewrite: { from: origin.origin, to: 'https://agent.example' },
    }).card;
    const body = `${JSON.stringify({ ...published, signatures: [{ protected: 'e30', signature: 'c2ln' }] }, null, 2)}\n`;
    answer = { status: 200, type: 'application/json', body };
    const ctx = request('GET');
    await cards.serve(ctx);
    expect(written(ctx).body).toBe(body);
    answer = undefined;
    await pool.close();
  });

  it("passes the agent's refusal of a version on, and answers HEAD without a body", async () => {
    const { cards, request, pool } = setup();
    answer = { status: 400, type: 'application/json', body: '{"error":"version not supported"}' };
    const refused = request('GET', { 'a2a-version': '9.9' });
    await cards.serve(refused);
    expect(written(refused)).toMatchObject({ status: 400, body: '{"error":"version not supported"}' });
    answer = undefined;
    const head = request('HEAD');
    await cards.serve(head);
    expect(written(head)).toMatchObject({ status: 200, body: '' });
    await pool.close();
  });

  it('answers 502 when the agent has no usable card', async () => {
    const { cards, request, pool } = setup();
    for (const body of ['not json', '[1,2]']) {
      answer = { status: 200, type: 'application/json', body };
      const ctx = request('GET');
      await cards.serve(ctx);
      expect(written(ctx).status, body).toBe(502);
      expect(JSON.parse(written(ctx).body)).toMatchObject({ error: { code: 'aip_upstream_unavailable' } });
    }
    answer = undefined;
    await pool.close();
  });

  it('is read-only, and counts against the address like any request without a credential', async () => {
    const { cards, request, pool } = setup({ rate_limit: { unauthenticated_per_minute: 2 } });
    expect(await cards.serve(request('POST'))).toMatchObject({ code: 'aip_method_not_allowed' });
    await cards.serve(request('GET'));
    await cards.serve(request('GET'));
    expect(await cards.serve(request('GET'))).toMatchObject({ code: 'aip_rate_limited' });
    expect(await cards.serve(request('GET', { 'a2a-version': '1.0' }))).toMatchObject({ code: 'aip_rate_limited' });
    await pool.close();
  });
});
