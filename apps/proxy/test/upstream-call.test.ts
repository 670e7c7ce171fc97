import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callUpstream, ResponseTooLarge, UpstreamAborted } from '../src/upstream/upstream-call.js';

// A real upstream on loopback; each path answers one way.
const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/small': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
    res.end('{"ok":true}');
  },
  '/big': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(Buffer.alloc(300_000, 7));
  },
  '/early': (_req, res) => {
    res.writeHead(200, { 'content-length': '100' });
    res.write('only part');
    setTimeout(() => res.socket?.destroy(), 20);
  },
  '/stream': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let n = 0;
    const timer = setInterval(() => {
      if (!res.write(`data: ${n++}\n\n`) || n > 1000) clearInterval(timer);
    }, 1);
    res.on('close', () => clearInterval(timer));
  },
  '/odd-headers': (req, res) => {
    res.socket?.write(
      'HTTP/1.1 200 OK\r\nConstructor: a\r\nconstructor: b\r\n__proto__: c\r\ncontent-length: 2\r\n\r\nok',
    );
    req.socket.end();
  },
  '/slow': () => {
    // Never answers.
  },
};
let server: Server;
let pool: Pool;
const closed: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    res.on('close', () => closed.push(req.url ?? ''));
    (routes[req.url ?? ''] ?? ((_q, r) => r.writeHead(404).end()))(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { connections: null });
});
afterAll(async () => {
  await pool.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const get = (path: string) => ({ method: 'GET' as const, path, headersTimeout: 2000, bodyTimeout: 2000 });

describe('callUpstream', () => {
  it('reads a body whole within its cap, with the headers as Node gives them', async () => {
    const call = callUpstream(pool, get('/small'), () => 1024);
    const response = await call.response;
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(response.body?.toString()).toBe('{"ok":true}');
    expect(response.stream).toBeUndefined();
  });

  it('gives up on a body past the cap, without reading the rest', async () => {
    const response = await callUpstream(pool, get('/big'), () => 64 * 1024).response;
    expect(response.statusCode).toBe(200);
    expect(response.body).toBeUndefined();
    expect(response.bodyError).toBeInstanceOf(ResponseTooLarge);
  });

  it('reports a body cut short, with its headers', async () => {
    const response = await callUpstream(pool, get('/early'), () => 1024).response;
    expect(response.statusCode).toBe(200);
    expect(response.bodyError).toMatchObject({ code: 'UND_ERR_SOCKET' });
  });

  it('streams what the caller does not read whole, a chunk at a time', async () => {
    const call = callUpstream(pool, get('/big'), () => undefined);
    const { stream } = await call.response;
    let bytes = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) bytes += chunk.length;
    expect(bytes).toBe(300_000);
  });

  it('ends the upstream request when the caller aborts a stream', async () => {
    const call = callUpstream(pool, get('/stream'), () => undefined);
    const { stream } = await call.response;
    const first = await new Promise<string>((r) => stream?.once('data', (c: Buffer) => r(c.toString())));
    expect(first).toContain('data: 0');
    const errored = new Promise((r) => stream?.once('error', r));
    call.abort();
    expect(call.aborted).toBe(true);
    expect(await errored).toBeInstanceOf(UpstreamAborted);
    await expect.poll(() => closed.includes('/stream')).toBe(true);
  });

  it('never leaves a stream error unhandled, even before the reader attaches its listeners', async () => {
    const call = callUpstream(pool, get('/stream'), () => undefined);
    const { stream } = await call.response;
    call.abort(); // e.g. the client went away while a budget charge was still settling
    await new Promise((r) => setTimeout(r, 20));
    expect(stream?.destroyed).toBe(true);
    expect(stream?.errored).toBeInstanceOf(UpstreamAborted);
  });

  it('reads header names that objects inherit as headers like any other', async () => {
    const response = await callUpstream(pool, get('/odd-headers'), () => 1024).response;
    expect(response.body?.toString()).toBe('ok');
    expect(Object.hasOwn(response.headers, 'constructor')).toBe(true);
    expect(response.headers.constructor).toEqual(['a', 'b']);
    expect(Object.hasOwn(response.headers, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(response.headers)).toBe(Object.prototype);
  });

  it('rejects a call aborted before its answer, and one that times out', async () => {
    const call = callUpstream(pool, get('/slow'), () => 1024);
    setTimeout(() => call.abort(), 20);
    await expect(call.response).rejects.toBeInstanceOf(UpstreamAborted);
    expect(call.aborted).toBe(true);
    const late = callUpstream(pool, { ...get('/slow'), headersTimeout: 50 }, () => 1024);
    await expect(late.response).rejects.toMatchObject({ code: 'UND_ERR_HEADERS_TIMEOUT' });
  });

  it('rejects what never reached the upstream', async () => {
    const nowhere = new Pool('http://127.0.0.1:1');
    await expect(callUpstream(nowhere, get('/small'), () => 1024).response).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    await nowhere.close();
  });

  it('does nothing when aborted after the response is complete', async () => {
    const call = callUpstream(pool, get('/small'), () => 1024);
    await call.response;
    call.abort();
    expect(call.aborted).toBe(false);
  });
});
