// Budgets charged against every link of a chain, and issuers admitted by the trust graph, through
// aip-proxy with real SDK clients.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateIdentity } from '@aip/identity';
import { createAipFetch } from '@aip/mcp';
import { openBudgetLedger, resolveConfig } from '@aip/proxy';
import { delegate, issueToken } from '@aip/token';
import { createRevocation, createVouch, openTrustStore, verifyRevocation, verifyVouch, vouchId } from '@aip/trust';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, principals, proxyDocument, type RunningProxy, startProxy } from '../fixtures/proxy.js';
import { startStatefulUpstream, type Upstream } from '../fixtures/upstreams.js';

const p = principals();
let dir: string;
let upstream: Upstream;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'aip-budget-trust-'));
  upstream = await startStatefulUpstream();
});
afterAll(async () => {
  await upstream.close();
  await rm(dir, { recursive: true, force: true });
});

async function connect(url: string, token: string): Promise<Client> {
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { fetch: createAipFetch({ token }) }));
  return client;
}

describe('budgets', () => {
  let proxy: RunningProxy;
  const ledgerFile = () => path.join(dir, 'budget.db');
  beforeAll(async () => {
    proxy = await startProxy(
      upstream.url,
      [p.operator.did],
      {},
      { budget: { ledger: ledgerFile(), costs: { 'tool:search': 0.1, 'tool:*': 0.01 } } },
    );
  });
  afterAll(() => proxy.close({ graceMs: 100 }));

  it('lets parallel subagents spend exactly what their shared parent allows, never more', async () => {
    const orchestrator = p.agent;
    const root = issueToken(p.operator, { sub: orchestrator.did, scope: ['tool:search'], budgetUsd: 1, maxDepth: 1 });
    const subagents = [generateIdentity(), generateIdentity()];
    const chains = subagents.map((s, i) =>
      delegate(root, orchestrator, { to: s.did, scope: ['tool:search'], budgetUsd: 0.8, context: `shard ${i}` }),
    );
    const clients = await Promise.all(chains.map((chain) => connect(proxy.url, chain)));
    const toolsBefore = upstream.log.tools.filter((t) => t.name === 'search').length;
    const results = await Promise.allSettled(
      clients.flatMap((client, c) =>
        Array.from({ length: 10 }, (_, i) => client.callTool({ name: 'search', arguments: { q: `s${c}-${i}` } })),
      ),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(10);
    expect(refused).toHaveLength(10);
    for (const r of refused) expect(String(r.reason)).toContain('aip_budget_exceeded');
    // The upstream ran exactly the paid-for calls.
    expect(upstream.log.tools.filter((t) => t.name === 'search').length - toolsBefore).toBe(10);

    const ledger = openBudgetLedger(ledgerFile());
    const [rootSpend] = await ledger.report([proxy.audit.findLast((a) => a.chain.length === 2)?.chain[0] as string]);
    expect(rootSpend).toMatchObject({ spent_usd: 1, budget_usd: 1, calls: 10 });
    const linkIds = [...new Set(proxy.audit.filter((a) => a.chain.length === 2).map((a) => a.chain[1] as string))];
    const links = await ledger.report(linkIds);
    expect(links).toHaveLength(2);
    expect(links.reduce((sum, l) => sum + l.spent_usd, 0)).toBeCloseTo(1, 10);
    for (const link of links) expect(link.spent_usd).toBeLessThanOrEqual(0.8);
    await ledger.close();
    for (const client of clients) await client.close();
  });

  it('refuses a call that would pass a link ceiling with 403 and the amounts', async () => {
    const root = issueToken(p.operator, { sub: p.agent.did, scope: ['tool:search'], budgetUsd: 5, maxDepth: 1 });
    const helper = generateIdentity();
    const chain = delegate(root, p.agent, {
      to: helper.did,
      scope: ['tool:search'],
      budgetUsd: 0.15,
      context: 'one search',
    });
    const client = await connect(proxy.url, chain);
    await client.callTool({ name: 'search', arguments: { q: 'first' } });
    await expect(client.callTool({ name: 'search', arguments: { q: 'second' } })).rejects.toThrow(
      /aip_budget_exceeded.*a delegation link has \$0\.1 of its \$0\.15 spent/,
    );
    await client.close();
  });

  it('does not charge calls that never reached the server', async () => {
    const file = path.join(dir, 'refund.db');
    const down = await startProxy(
      'http://127.0.0.1:9',
      [p.operator.did],
      {},
      { budget: { ledger: file, costs: { 'tool:*': 0.5 } } },
    );
    const token = issueToken(p.operator, { sub: p.agent.did, scope: ['tool:search'], budgetUsd: 1 });
    const res = await fetch(`${down.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-aip-token': token },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'search', arguments: { q: 'x' } },
      }),
    });
    expect(res.status).toBe(502);
    await down.close({ graceMs: 100 });
    const ledger = openBudgetLedger(file);
    expect((await ledger.report()).map((s) => s.spent_usd)).toEqual([0]);
    await ledger.close();
  });
});

describe('trust-gated issuers', () => {
  it("never admits an issuer several hops away on the strength of one default vouch of the operator's", async () => {
    const db = path.join(dir, 'hops.db');
    const store = openTrustStore({ path: db });
    const root = p.operator;
    const chain = [generateIdentity(), generateIdentity(), generateIdentity(), generateIdentity()];
    // root -> a -> b -> c -> d, every vouch of weight 1 in the gate's scope: d scores 0.512.
    let voucher = root;
    for (const next of chain) {
      store.add({
        kind: 'vouch',
        ...verifyVouch(createVouch(voucher, { subject: next.did, scope: 'aip:issuer', weight: 1 })),
      });
      voucher = next;
    }
    const proxy = await startProxy(upstream.url, [], {}, { trust: { root: root.did, db } });
    const agent = generateIdentity();
    const status = async (issuer: (typeof chain)[number]) =>
      (
        await fetch(`${proxy.url}/mcp`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'x-aip-token': issueToken(issuer, { sub: agent.did, scope: ['*'] }),
          },
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 0,
            method: 'initialize',
            params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'hops', version: '1' } },
          }),
        })
      ).status;
    // The default gate: at most two hops (the operator's issuers, and theirs).
    expect(await Promise.all(chain.map(status))).toEqual([200, 200, 401, 401]);
    await proxy.close({ graceMs: 100 });
    store.close();
  });

  it('admits an issuer once the root vouches for it (directly or transitively) and removes it when the vouch is revoked', async () => {
    const db = path.join(dir, 'trust.db');
    const store = openTrustStore({ path: db });
    const root = p.operator;
    const newcomer = generateIdentity();
    const colleague = generateIdentity();
    const farAway = generateIdentity();
    const agent = generateIdentity();
    // The proxy trusts no key outright: only the trust graph seen from the operator's root.
    const proxy = await startProxy(
      upstream.url,
      [],
      {},
      { trust: { root: root.did, db, scope: 'aip:issuer', min_score: 0.5, min_corroboration: 1 } },
    );
    const tokenFrom = (issuer: typeof root) => issueToken(issuer, { sub: agent.did, scope: ['tool:search'] });
    const call = (token: string) =>
      fetch(`${proxy.url}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'x-aip-token': token,
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 0,
          method: 'initialize',
          params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'gate', version: '1' } },
        }),
      });

    // The root's own tokens are always admitted.
    expect((await call(tokenFrom(root))).status).toBe(200);
    expect((await errorOf(await call(tokenFrom(newcomer)))).code).toBe('aip_issuer_untrusted');

    const vouch = createVouch(root, { subject: newcomer.did, scope: 'aip:issuer', weight: 0.9 });
    store.add({ kind: 'vouch', ...verifyVouch(vouch) });
    await new Promise((r) => setTimeout(r, 1100)); // the earlier "no" is remembered for a second
    const client = await connect(proxy.url, tokenFrom(newcomer));
    expect((await client.callTool({ name: 'search', arguments: { q: 'admitted' } })).content).toEqual([
      { type: 'text', text: 'results for admitted' },
    ]);
    await client.close();

    // Transitive: root -> colleague -> farAway scores 0.9 x 0.9 x 0.8 = 0.648 >= 0.5.
    store.add({
      kind: 'vouch',
      ...verifyVouch(createVouch(root, { subject: colleague.did, scope: 'aip:issuer', weight: 0.9 })),
    });
    store.add({
      kind: 'vouch',
      ...verifyVouch(createVouch(colleague, { subject: farAway.did, scope: 'aip:issuer', weight: 0.9 })),
    });
    expect((await call(tokenFrom(farAway))).status).toBe(200);
    // A reload with the same [trust] keeps the gate: the proxy trusts no key of its own.
    const reloaded = proxy.proxy.reload(
      resolveConfig(
        proxyDocument(upstream.url, [], {
          trust: { root: root.did, db, scope: 'aip:issuer', min_score: 0.5, min_corroboration: 1 },
        }),
      ),
    );
    expect(reloaded).toEqual([]);
    expect((await call(tokenFrom(farAway))).status).toBe(200);
    // A vouch in another scope admits nobody.
    const stranger = generateIdentity();
    store.add({
      kind: 'vouch',
      ...verifyVouch(createVouch(root, { subject: stranger.did, scope: 'tool:search', weight: 1 })),
    });
    expect((await errorOf(await call(tokenFrom(stranger)))).code).toBe('aip_issuer_untrusted');

    store.add({ kind: 'revocation', ...verifyRevocation(createRevocation(root, vouchId(vouch))) });
    await new Promise((r) => setTimeout(r, 1100));
    expect((await errorOf(await call(tokenFrom(newcomer)))).code).toBe('aip_issuer_untrusted');
    store.close();
    await proxy.close({ graceMs: 100 });
  });
});
