import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateIdentity } from '@aip/identity';
import { createMemoryReplayCache, createTokenVerifier, issueToken, verifyProof } from '@aip/token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAipFetch } from '../src/index.js';

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

describe('createAipFetch', () => {
  const owner = generateIdentity();
  const agent = generateIdentity();
  const token = issueToken(owner, { sub: agent.did, scope: ['tool:search'] });

  it('attaches the token to every request', async () => {
    await createAipFetch({ token })(`${url}/mcp`, { method: 'GET' });
    expect(received.at(-1)?.headers['x-aip-token']).toBe(token);
    expect(received.at(-1)?.headers['x-aip-proof']).toBeUndefined();
  });

  it('signs each request with the holder so the proof verifies against what arrived', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'search' } });
    await createAipFetch({ token, holder: agent })(`${url}/mcp?session=1`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    const req = received.at(-1);
    const verified = createTokenVerifier({ trustedKeys: [owner.did] }).verify(req?.headers['x-aip-token'] as string);
    const claims = verifyProof(req?.headers['x-aip-proof'] as string, {
      token,
      method: req?.method as string,
      path: req?.url as string,
      body: req?.body as string,
      audience: url,
      holderKey: verified.subjectKey as Uint8Array,
      replayCache: createMemoryReplayCache(),
    });
    expect(claims).toMatchObject({ htm: 'POST', htu: '/mcp?session=1', aud: url });
    expect(req?.headers['content-type']).toBe('application/json');
  });

  it('asks a token function on every request', async () => {
    let n = 0;
    const f = createAipFetch({ token: () => `${token}${n++ === 0 ? '' : ''}` });
    await f(`${url}/a`);
    await f(`${url}/b`);
    expect(n).toBe(2);
  });

  it('refuses to sign a body it cannot see', async () => {
    const stream = new ReadableStream();
    await expect(
      createAipFetch({ token, holder: agent })(`${url}/x`, {
        method: 'POST',
        body: stream,
        duplex: 'half',
      } as RequestInit),
    ).rejects.toThrow(TypeError);
  });
});
