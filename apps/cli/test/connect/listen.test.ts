// The loopback listener against a real upstream HTTP server: what it passes on, and whom it answers.
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopbackHost, type Listener, parseListen, startListener } from '../../src/connect/listen.js';
import { silentLog } from '../../src/connect/log.js';

let upstream: Server;
let origin: URL;
const seen: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  upstream = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method as string, url: req.url as string, headers: req.headers, body });
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'mcp-session-id': 's1', 'set-cookie': 'a=b' });
        res.write('id: 1\ndata: {"jsonrpc":"2.0","method":"notifications/message"}\n\n');
        setTimeout(() => res.end('id: 2\ndata: {}\n\n'), 20);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's1' }).end(body);
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  origin = new URL(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}/mcp`);
});
afterAll(() => new Promise<void>((resolve) => upstream.close(() => resolve())));

function raw(
  port: number,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'POST',
        path: options.path ?? '/mcp',
        headers: options.headers,
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode as number, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('--listen', () => {
  it('takes HOST:PORT and knows a loopback address', () => {
    expect(parseListen('127.0.0.1:8090')).toEqual({ host: '127.0.0.1', port: 8090 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListen('localhost')).toBeUndefined();
    expect(parseListen('127.0.0.1:70000')).toBeUndefined();
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '192.168.1.2', '::', 'example.com']) expect(isLoopbackHost(host), host).toBe(false);
  });

  it('refuses to listen anywhere but loopback', async () => {
    await expect(startListener({ host: '0.0.0.0', port: 0, upstream: origin, fetch, log: silentLog })).rejects.toThrow(
      '0.0.0.0 is not a loopback address',
    );
  });

  describe('serving', () => {
    let listener: Listener;
    let port: number;
    beforeAll(async () => {
      listener = await startListener({
        host: '127.0.0.1',
        port: 0,
        upstream: origin,
        fetch,
        secret: 'local-secret-123',
        log: silentLog,
      });
      port = Number(new URL(listener.url).port);
    });
    afterAll(() => listener.close());

    const ok = () => ({ host: `127.0.0.1:${port}`, authorization: 'Bearer local-secret-123' });

    it("is at the server URL's path on the local origin", () => {
      expect(listener.url).toBe(`http://127.0.0.1:${port}/mcp`);
    });

    it('passes the request on as it came, minus the local secret and anything not MCP, and streams back', async () => {
      const body = '{"jsonrpc":"2.0","id":1,"method":"ping"}';
      const res = await raw(port, {
        path: '/mcp?x=1',
        headers: {
          ...ok(),
          'content-type': 'application/json',
          'mcp-session-id': 's1',
          cookie: 'c=d',
          'x-aip-token': 'mine',
        },
        body,
      });
      expect(res.status).toBe(200);
      expect(res.body).toBe(body);
      expect(res.headers['mcp-session-id']).toBe('s1');
      const got = seen.at(-1);
      expect(got).toMatchObject({ method: 'POST', url: '/mcp?x=1', body });
      expect(got?.headers['mcp-session-id']).toBe('s1');
      for (const name of ['authorization', 'cookie', 'x-aip-token']) expect(got?.headers[name], name).toBeUndefined();
      const stream = await raw(port, {
        method: 'GET',
        headers: { ...ok(), accept: 'text/event-stream', 'last-event-id': '1' },
      });
      expect(stream.headers['content-type']).toBe('text/event-stream');
      expect(stream.headers['set-cookie']).toBeUndefined();
      expect(stream.body).toContain('id: 2');
      expect(seen.at(-1)?.headers['last-event-id']).toBe('1');
    });

    it('answers only requests addressed to a loopback name, from no origin or a loopback one, with the secret', async () => {
      const before = seen.length;
      expect((await raw(port, { headers: { ...ok(), host: `attacker.example:${port}` } })).status).toBe(403);
      expect((await raw(port, { headers: { ...ok(), origin: 'https://attacker.example' } })).status).toBe(403);
      expect((await raw(port, { headers: { host: `localhost:${port}` } })).status).toBe(401);
      expect((await raw(port, { headers: { ...ok(), authorization: 'Bearer local-secret-124' } })).status).toBe(401);
      expect(seen.length).toBe(before);
      expect(
        (
          await raw(port, {
            headers: { ...ok(), host: `localhost:${port}`, origin: 'http://localhost:6274' },
            body: '{}',
          })
        ).status,
      ).toBe(200);
    });
  });
});
