// The name of this replica (`[state] replica_id`): recorded at the start of its audit chain, so
// chains written by several replicas behind one load balancer can be told apart.
import { hostname } from 'node:os';
import type { ProxyConfig } from '../config/sections.js';

/**
 * The configured replica id, else `hostname:pid`.
 *
 * @example
 * ```ts
 * replicaId(config.state); // 'web-3:4121'
 * ```
 */
export function replicaId(state: ProxyConfig['state']): string {
  return state.replica_id ?? `${hostname()}:${process.pid}`;
}
