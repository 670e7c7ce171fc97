// Session binding (`[session]`): an Mcp-Session-Id belongs to the principal whose request created
// it; anyone else presenting it is refused, so a leaked session id is not a way in.
import type { SessionConfig } from './config-features.js';

export interface SessionBinding {
  /** `true` when `sessionId` is unknown or bound to `principal`. */
  allows(sessionId: string, principal: string, nowMs: number): boolean;
  /** Binds a session id the upstream just issued. */
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
      if (owner === undefined || nowMs - owner.seen > ttl) return true;
      if (owner.principal !== principal) return false;
      owner.seen = nowMs;
      return true;
    },
    bind(sessionId, principal, nowMs) {
      if (!config.bind || owners.has(sessionId)) return;
      if (owners.size >= MAX_SESSIONS) owners.delete(owners.keys().next().value as string);
      owners.set(sessionId, { principal, seen: nowMs });
    },
    forget(sessionId) {
      owners.delete(sessionId);
    },
  };
}
