// The baseline of `proxy.passthrough`: a minimal Node pass-through proxy (node:http + undici, no
// checks at all) in its own process, forwarding every request to the upstream given as argv[2] and
// streaming the response back. Prints its URL on stdout.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

const upstream = process.argv[2] as string;
const pool = new Pool(upstream, { connections: null });
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'content-length']);

const server = createServer((req, res) => {
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP.has(k)) headers[k] = v;
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    pool
      .request({
        method: req.method as 'GET',
        path: req.url as string,
        headers,
        body: chunks.length === 0 ? null : Buffer.concat(chunks),
      })
      .then(
        (up) => {
          const out: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !HOP.has(k)) out[k] = v;
          res.writeHead(up.statusCode, out);
          up.body.pipe(res);
        },
        () => res.writeHead(502).end(),
      );
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
