// The A2A agent fixture of the proxy tests (@a2a-js/sdk 1.x, express, JSON-RPC), run as its own
// process for the proxy benchmarks. Prints its URL on stdout.
import { startA2aAgent } from '../fixtures/a2a-agent.js';

const agent = await startA2aAgent();
// The call log would grow without bound under load: the benchmark does not read it.
setInterval(() => {
  agent.calls.length = 0;
}, 1000).unref();
process.stdout.write(`${agent.url}\n`);
