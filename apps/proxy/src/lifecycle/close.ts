// Shutdown: stop accepting; end open GET streams cleanly (their clients reconnect elsewhere); let
// every other in-flight request — an SSE-answered tools/call included — finish for up to the grace
// period; then cut what remains and release the upstream pool, children, ledger, policy and log.
import type { Server } from 'node:http';
import type { Pool } from 'undici';
import type { StreamRegistry } from '../upstream/relay.js';

/**
 * Closes a proxy's parts in order.
 *
 * @example
 * ```ts
 * await closeProxy({ server, metricsServer, streams, pool, graceMs: 5000, release: [ledger, auditLog] });
 * ```
 */
export async function closeProxy(parts: {
  server: Server;
  metricsServer: Server | undefined;
  streams: StreamRegistry;
  pool: Pool;
  graceMs: number;
  release: ({ close(): unknown } | undefined)[];
}): Promise<void> {
  const { server } = parts;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  parts.streams.endAll();
  // Connections become idle as their last response ends: close them as they do, and every
  // remaining one once the grace period is over.
  const idle = setInterval(() => server.closeIdleConnections(), 50);
  server.closeIdleConnections();
  const grace = setTimeout(() => server.closeAllConnections(), parts.graceMs);
  await closed;
  clearInterval(idle);
  clearTimeout(grace);
  const metrics = parts.metricsServer;
  if (metrics?.listening) await new Promise<void>((resolve) => metrics.close(() => resolve()));
  await parts.pool.destroy();
  for (const thing of parts.release) await thing?.close();
}
