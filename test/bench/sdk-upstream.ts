// The stateless MCP server fixture of the proxy tests (official SDK, JSON responses), run as its
// own process for the proxy benchmarks. Prints its URL on stdout.
import { startStatelessUpstream } from '../fixtures/upstreams.js';

const upstream = await startStatelessUpstream({ json: true });
// The call log would grow without bound under load: the benchmark does not read it.
upstream.log.http.length = 0;
setInterval(() => {
  upstream.log.http.length = 0;
  upstream.log.tools.length = 0;
}, 1000).unref();
process.stdout.write(`${upstream.url}\n`);
