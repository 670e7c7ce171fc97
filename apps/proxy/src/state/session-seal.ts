// Session binding (`[session]`): an MCP session id (the `Mcp-Session-Id` header, or the legacy
// HTTP+SSE `sessionId` query parameter) belongs to the principal whose request created it; anyone
// else presenting it is refused, so a leaked session id is not a way in.
import type { SessionConfig } from './config-features.js';

export interface SessionBinding {
  /**
   * `true` when `sessionId` is bound to `principal`, or was never seen by this proxy. A binding
   * left unused for longer than the TTL refuses everyone: the session has to be opened again.
   */
  allows(sessionId: string, principal: string, nowMs: number): boolean;
  /** Binds a session id the upstream just issued (the first binding wins while it is live). */
  bind(sessionId: string, principal: string, nowMs: number): void;
  forget(sessionId: string): void;
}

const MAX_SESSIONS = 200_000;

export function createSessionBinding(config: SessionConfig): SessionBinding {
  const owners = new Map<string, { principal: string; seen: number }>();
  const ttl = config.ttlSeconds * 1000;
  return {
    allows(sessionId, principal, nowMs) {
      if (!config.bind) return true;
      const owner = owners.get(sessionId);
      if (owner === undefined) return true;
      if (nowMs - owner.seen > ttl || owner.principal !== principal) return false;
      owner.seen = nowMs;
      return true;
    },
    bind(sessionId, principal, nowMs) {
      if (!config.bind) return;
      const owner = owners.get(sessionId);
      if (owner !== undefined && nowMs - owner.seen <= ttl) return;
      owners.delete(sessionId);
      if (owners.size >= MAX_SESSIONS) {
        // Full: drop the expired bindings; only when every one is live does the oldest go.
        for (const [id, o] of owners) if (nowMs - o.seen > ttl) owners.delete(id);
        if (owners.size >= MAX_SESSIONS) owners.delete(owners.keys().next().value as string);
      }
      owners.set(sessionId, { principal, seen: nowMs });
    },
    forget(sessionId) {
      owners.delete(sessionId);
    },
  };
}
