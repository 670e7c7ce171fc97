// What the proxy changes in a response on its way back (DESIGN §5): the session id the upstream
// issued, and every SSE event id, sealed to the principal; the legacy `endpoint` event turned into a
// proxy path carrying the sealed session; and what the protocol's answers carry (mcp-answers.ts:
// filtered lists, bound tasks; a2a-answers.ts: bound tasks and contexts, the caller's tasks only,
// published cards). Works on each JSON-RPC message's shape, so it applies to JSON bodies and to
// every SSE stream, replays after resumption included.
import type { IncomingHttpHeaders } from 'node:http';
import { isSessionQueryKey, SESSION_HEADER } from '@aip/mcp';
import type { Principal } from '../principal.js';
import type { SessionSeal } from '../state/session-seal.js';
import type { SseChange, SseEvent } from './sse.js';

/** What a protocol's answers carry that the proxy acts on. */
export interface AnswerRules {
  /** A cheap look at a JSON text: could it carry anything to act on? */
  mayCarry(text: string): boolean;
  /** Binds, filters or replaces in one JSON-RPC message (in place); true when it changed. */
  apply(message: Record<string, unknown>): Promise<boolean>;
}

export interface ResponseRewriter {
  /** The response headers with the upstream's session id sealed. */
  headers(upstream: IncomingHttpHeaders): IncomingHttpHeaders;
  /** The change to one SSE event, if any. */
  event(event: SseEvent): SseChange | undefined | Promise<SseChange | undefined>;
  /**
   * A JSON body (one message or a batch), filtered and with created tasks bound; `undefined` when
   * it may carry a list but cannot be read (it cannot be filtered, so it must not be forwarded).
   */
  json(text: string): Promise<string | undefined>;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * The rewriter of one response to `principal`.
 *
 * @example
 * ```ts
 * const rewrite = createResponseRewriter({ principal, binding, seal, now, upstreamOrigin, answers: () => mcpAnswers({ principal, binding, tasks, now, ttlSeconds }) });
 * res.writeHead(status, rewrite.headers(upstream.headers));
 * ```
 */
export function createResponseRewriter(deps: {
  principal: Principal;
  /** What the caller's sessions, tasks and stream ids are bound to (see principalKey). */
  binding: string;
  seal: SessionSeal | undefined;
  /** Unix seconds. */
  now: number;
  upstreamOrigin: URL;
  /** The rules of the protocol the request was read as (made when a body or event is first looked at). */
  answers: () => AnswerRules;
}): ResponseRewriter {
  const me = deps.binding;
  let rules: AnswerRules | undefined;
  const answers = (): AnswerRules => {
    rules ??= deps.answers();
    return rules;
  };
  const seal = (kind: 'session' | 'event', id: string) => deps.seal?.seal(kind, id, me, deps.now) ?? id;

  // Binds, filters and replaces in place; true when anything changed.
  async function processMessages(json: unknown): Promise<boolean> {
    let changed = false;
    for (const message of Array.isArray(json) ? json : [json]) {
      const object = record(message);
      if (object !== undefined && (await answers().apply(object))) changed = true;
    }
    return changed;
  }

  async function rewriteJson(text: string): Promise<string | undefined> {
    if (!answers().mayCarry(text)) return text;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return undefined; // fail closed: what cannot be filtered is not forwarded
    }
    return (await processMessages(json)) ? JSON.stringify(json) : text;
  }

  // The legacy endpoint event may name the upstream's absolute URL: clients must post to the
  // proxy instead, so it becomes a path, and the session it announces is sealed.
  function endpoint(data: string): string | undefined {
    let url: URL;
    try {
      url = new URL(data, deps.upstreamOrigin);
    } catch {
      return undefined;
    }
    if (url.origin !== deps.upstreamOrigin.origin) return undefined;
    const query = new URLSearchParams();
    for (const [name, value] of url.searchParams)
      query.append(name, isSessionQueryKey(name) ? seal('session', value) : value);
    const search = query.toString();
    return `${url.pathname}${search === '' ? '' : `?${search}`}`;
  }

  return {
    headers(upstream) {
      const issued = upstream[SESSION_HEADER];
      if (typeof issued !== 'string' || deps.seal === undefined) return upstream;
      return { ...upstream, [SESSION_HEADER]: seal('session', issued) };
    },
    event(event) {
      const id =
        event.id !== undefined && event.id !== '' && deps.seal !== undefined ? seal('event', event.id) : undefined;
      if (event.event === 'endpoint') {
        const data = endpoint(event.data);
        return data === undefined && id === undefined
          ? undefined
          : { ...(data === undefined ? {} : { data }), ...(id === undefined ? {} : { id }) };
      }
      if (!answers().mayCarry(event.data)) return id === undefined ? undefined : { id };
      return rewriteJson(event.data).then((data) => {
        if (data === undefined) return { drop: true };
        if (data === event.data) return id === undefined ? undefined : { id };
        return { data, ...(id === undefined ? {} : { id }) };
      });
    },
    json: rewriteJson,
  };
}
