// Stage 6, session: the session a request belongs to, read from every channel a server may take it
// from (the Mcp-Session-Id header, the legacy `sessionId` / `session_id` query parameter); a request
// naming it twice is refused. With binding on, what the client presents is a sealed id: it must open
// for this principal (else 403) and be known (else 404, so MCP clients start a new session), and
// the upstream's own id is what will be forwarded. A Last-Event-ID is a sealed event id, likewise.
import { isSessionQueryKey, SESSION_HEADER } from '@aip/mcp';
import { unixSeconds } from '../../clock.js';
import { type Refusal, refusal } from '../../refusal.js';
import type { SealKind } from '../../state/session-seal.js';
import type { ProxyServices } from '../services.js';
import type { Stage } from '../stage.js';

export function sessionStage(s: Pick<ProxyServices, 'clock' | 'config' | 'seal'>): Stage {
  return {
    name: 'session',
    run(ctx) {
      const { target, binding } = ctx;
      if (target === undefined || binding === undefined) return refusal('aip_internal', 'session before the proof');
      const header = ctx.req.headers[SESSION_HEADER];
      const inQuery = target.query.filter(([name]) => isSessionQueryKey(name));
      const channels = (header === undefined ? 0 : 1) + inQuery.length;
      const lastEventId = ctx.req.headers['last-event-id'];
      if (channels === 0 && lastEventId === undefined) return undefined;
      if (channels > 1) return refusal('aip_request_invalid', 'the request names its session more than once');
      if (Array.isArray(header) || Array.isArray(lastEventId))
        return refusal('aip_request_invalid', 'a session or event id header appears twice');
      const ttl = s.config().session.ttl_seconds;
      const open = (kind: SealKind, presented: string): string | Refusal => {
        if (s.seal === undefined) return presented;
        const opened = s.seal.open(kind, presented, binding, unixSeconds(s.clock), ttl);
        if (opened.ok) return opened.id;
        if (opened.reason === 'forbidden')
          return refusal('aip_session_forbidden', `this ${kind} belongs to another principal`);
        return refusal(
          'aip_session_unknown',
          kind === 'session' ? 'unknown or expired session: initialize a new one' : 'unknown or expired event id',
        );
      };
      if (channels === 1) {
        const presented = header ?? (inQuery[0] as readonly [string, string])[1];
        const upstreamId = open('session', presented);
        if (typeof upstreamId !== 'string') return upstreamId;
        ctx.session = {
          upstreamId,
          channel: header === undefined ? (inQuery[0] as readonly [string, string])[0] : 'header',
        };
      }
      if (lastEventId !== undefined) {
        const upstreamEvent = open('event', lastEventId);
        if (typeof upstreamEvent !== 'string') return upstreamEvent;
        ctx.lastEventId = upstreamEvent;
      }
      return undefined;
    },
  };
}
