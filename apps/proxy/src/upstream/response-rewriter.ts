// What the proxy changes in a response on its way back (DESIGN §5): the session id the upstream
// issued, and every SSE event id, sealed to the principal; the legacy `endpoint` event turned into a
// proxy path carrying the sealed session; list results filtered to what the caller may use (tools,
// prompts, resources, templates, and only its own tasks); tasks the response creates bound to the
// caller. Works on the result's shape, so it applies to JSON bodies and to every SSE stream,
// replays after resumption included.
import type { IncomingHttpHeaders } from 'node:http';
import {
  createdTaskId,
  filterListResult,
  isSessionQueryKey,
  mayCarryList,
  mayCarryTask,
  SESSION_HEADER,
} from '@aip/mcp';
import type { Principal } from '../principal.js';
import type { SessionSeal } from '../state/session-seal.js';
import type { TaskBindings } from '../state/task-bindings.js';
import type { SseChange, SseEvent } from './sse.js';

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
 * const rewrite = createResponseRewriter({ principal, seal, tasks, now, ttlSeconds, upstreamOrigin });
 * res.writeHead(status, rewrite.headers(upstream.headers));
 * ```
 */
export function createResponseRewriter(deps: {
  principal: Principal;
  /** What the caller's sessions, tasks and stream ids are bound to (see principalKey). */
  binding: string;
  seal: SessionSeal | undefined;
  tasks: TaskBindings;
  /** Unix seconds. */
  now: number;
  ttlSeconds: number;
  upstreamOrigin: URL;
}): ResponseRewriter {
  const me = deps.binding;
  const seal = (kind: 'session' | 'event', id: string) => deps.seal?.seal(kind, id, me, deps.now) ?? id;

  // Filters and binds in place; true when anything changed.
  async function processMessages(json: unknown): Promise<boolean> {
    let changed = false;
    for (const message of Array.isArray(json) ? json : [json]) {
      const result = record(record(message)?.result);
      if (result === undefined) continue;
      const created = createdTaskId(message);
      if (created !== undefined) await deps.tasks.bind(created, me, deps.now, deps.ttlSeconds);
      let visible: Set<string> | undefined;
      if (Array.isArray(result.tasks)) {
        const ids = result.tasks.flatMap((t) => {
          const id = record(t)?.taskId;
          return typeof id === 'string' ? [id] : [];
        });
        const owners = await Promise.all(ids.map((id) => deps.tasks.owner(id, deps.now)));
        visible = new Set(ids.filter((_, i) => owners[i] === me));
      }
      const removed = filterListResult(result, deps.principal.scope, {
        taskVisible: (id) => visible?.has(id) === true,
      });
      if (removed > 0) changed = true;
    }
    return changed;
  }

  async function rewriteJson(text: string): Promise<string | undefined> {
    if (!mayCarryList(text) && !mayCarryTask(text)) return text;
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
      if (!mayCarryList(event.data) && !mayCarryTask(event.data)) return id === undefined ? undefined : { id };
      return rewriteJson(event.data).then((data) => {
        if (data === undefined) return { drop: true };
        if (data === event.data) return id === undefined ? undefined : { id };
        return { data, ...(id === undefined ? {} : { id }) };
      });
    },
    json: rewriteJson,
  };
}
