import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateIdentity } from '@aip/identity';
import { checkProof, delegate, issueToken, TokenError } from '@aip/token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { A2aError, AIP_EXTENSION_URI, aipExtension, createA2aFetch } from '../src/index.js';

// A real loopback server that records what it receives.
let url: string;
const received: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] = [];
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    received.push({
      method: req.method as string,
      url: req.url as string,
      headers: req.headers,
      body: Buffer.concat(chunks).toString(),
    });
    res.end('ok');
  });
});
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('createA2aFetch', () => {
  const operator = generateIdentity();
  const orchestrator = generateIdentity();
  const agent = generateIdentity();
  const grant = issueToken(operator, { sub: orchestrator.did, scope: ['a2a:*', 'tool:search'], maxDepth: 1 });
  const chain = delegate(grant, orchestrator, { to: agent.did, scope: ['a2a:message'], context: 'research' });
  const card = {
    name: 'agent',
    capabilities: { extensions: [aipExtension({ did: agent.did, proofRequired: true, trustedIssuers: [] })] },
  };

  it("presents the chain with a proof signed by the delegator, audience the agent's did:key", async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: {} });
    await createA2aFetch({ token: chain, holder: orchestrator, agent: card })(`${url}/a2a?x=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'A2A-Version': '1.0' },
      body,
    });
    const sent = received.at(-1);
    expect(sent?.headers['x-aip-token']).toBe(chain);
    expect(sent?.headers['a2a-version']).toBe('1.0');
    const proof = checkProof(sent?.headers['x-aip-proof'] as string, {
      token: chain,
      method: 'POST',
      path: '/a2a?x=1',
      body,
      audience: agent.did,
      holderKey: orchestrator.publicKey,
    });
    expect(proof.claims.aud).toBe(agent.did);
  });

  it('asks for the AIP extension, next to any the client asks for', async () => {
    const a2aFetch = createA2aFetch({ token: chain, holder: orchestrator, agent: agent.did });
    await a2aFetch(`${url}/a2a`, { method: 'GET' });
    expect(received.at(-1)?.headers['a2a-extensions']).toBe(AIP_EXTENSION_URI);
    await a2aFetch(`${url}/a2a`, { method: 'GET', headers: { 'A2A-Extensions': 'https://example.com/ext' } });
    expect(received.at(-1)?.headers['a2a-extensions']).toBe(`https://example.com/ext, ${AIP_EXTENSION_URI}`);
  });

  it('refuses, before sending anything, a chain delegated to another agent', async () => {
    const other = delegate(grant, orchestrator, {
      to: generateIdentity().did,
      scope: ['a2a:message'],
      context: 'elsewhere',
    });
    const count = received.length;
    const a2aFetch = createA2aFetch({ token: other, holder: orchestrator, agent: card });
    await expect(a2aFetch(`${url}/a2a`, { method: 'GET' })).rejects.toMatchObject({ code: 'aip_audience_mismatch' });
    await expect(a2aFetch(`${url}/a2a`, { method: 'GET' })).rejects.toBeInstanceOf(TokenError);
    expect(received.length).toBe(count);
  });

  it('refuses a holder that did not delegate the last segment', async () => {
    const a2aFetch = createA2aFetch({ token: chain, holder: agent, agent: card });
    await expect(a2aFetch(`${url}/a2a`, { method: 'GET' })).rejects.toMatchObject({ code: 'aip_holder_mismatch' });
  });

  it('asks a token function on every request (renewal)', async () => {
    const chains = [chain, delegate(grant, orchestrator, { to: agent.did, scope: ['a2a:message'], context: 'again' })];
    let i = 0;
    const a2aFetch = createA2aFetch({ token: () => chains[i++ % 2] as string, holder: orchestrator, agent: card });
    await a2aFetch(`${url}/a2a`, { method: 'GET' });
    await a2aFetch(`${url}/a2a`, { method: 'GET' });
    expect(received.slice(-2).map((r) => r.headers['x-aip-token'])).toEqual(chains);
  });

  it('refuses a card that names no AIP identity', () => {
    expect(() => createA2aFetch({ token: chain, holder: orchestrator, agent: { name: 'plain' } })).toThrow(A2aError);
    try {
      createA2aFetch({ token: chain, holder: orchestrator, agent: { name: 'plain' } });
    } catch (err) {
      expect((err as A2aError).code).toBe('aip_agent_card_invalid');
    }
  });
});
