// A minimal MCP-shaped upstream for proxy benchmarks, run as its own process: answers JSON-RPC
// POSTs with a fixed result and serves an SSE stream whose first event is immediate, so the
// numbers measure the proxy, not the server. Prints its URL on stdout.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const result = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  result: { content: [{ type: 'text', text: 'results for benchmark' }] },
});

const server = createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(
      'event: message\nid: 1\ndata: {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"first"}}\n\n',
    );
    setTimeout(() => res.end(), 50);
    return;
  }
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(result) });
    res.end(result);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
