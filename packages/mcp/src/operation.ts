// The authority each MCP message needs (DESIGN §5): tools/call -> tool:<name>, resources/read ->
// resource:<uri>, prompts/get -> prompt:<name>; lifecycle, list and notification traffic needs
// only a valid token; any other method needs rpc:<method>.
import { isNotification, type JsonRpcMessage } from './jsonrpc.js';
import { canonicalResourceUri, checkUriTemplate } from './resource-uri.js';

/** What the proxy must check before forwarding one message. */
export type Operation =
  /** Needs only a valid token (lifecycle, lists, notifications, responses). */
  | { kind: 'open'; method: string }
  /**
   * Needs `scope`; `name` is the tool, prompt or resource it names. `uri`, on resource reads and
   * subscriptions, is the URI as the server's parser reads it: it must be forwarded in place of
   * the one at `field` of `params` (`uri`, `notifications.resourceSubscriptions[0]`), since it is
   * what `scope` was decided on.
   */
  | { kind: 'scoped'; method: string; scope: string; name: string; uri?: string; field?: string }
  /** The message cannot be authorized as sent (e.g. a tools/call without a string name). */
  | { kind: 'invalid'; method: string; reason: string };

// Methods every valid token may use: the session lifecycle, discovery and listing (lists are
// filtered on the way back), subscriptions to list changes, and logging control.
const OPEN_METHODS = new Set([
  'initialize',
  'ping',
  'server/discover',
  'subscriptions/listen',
  'tools/list',
  'prompts/list',
  'resources/list',
  'resources/templates/list',
  'logging/setLevel',
  'tasks/get',
  'tasks/list',
  'tasks/cancel',
  'tasks/result',
  'tasks/update',
]);

function param(params: unknown, key: string): unknown {
  return typeof params === 'object' && params !== null && !Array.isArray(params)
    ? (params as Record<string, unknown>)[key]
    : undefined;
}

function named(method: string, kind: string, value: unknown, field: string): Operation {
  if (typeof value !== 'string' || value.length === 0) {
    return { kind: 'invalid', method, reason: `${method} needs a string params.${field}` };
  }
  return { kind: 'scoped', method, scope: `${kind}:${value}`, name: value };
}

// A resource URI the server parses (resources/read, subscribe, unsubscribe): authorized and
// forwarded as its parser reads it.
function resource(method: string, uri: unknown, field: string): Operation {
  if (typeof uri !== 'string') return named(method, 'resource', uri, field);
  const canonical = canonicalResourceUri(uri);
  if (!canonical.ok) return { kind: 'invalid', method, reason: `params.${field} ${canonical.reason}` };
  return { kind: 'scoped', method, scope: `resource:${canonical.uri}`, name: canonical.uri, uri: canonical.uri, field };
}

// A URI or URI template the server compares as a string (completion references).
function resourceReference(method: string, uri: unknown, field: string): Operation {
  if (typeof uri !== 'string') return named(method, 'resource', uri, field);
  const checked = checkUriTemplate(uri);
  if (!checked.ok) return { kind: 'invalid', method, reason: `params.${field} ${checked.reason}` };
  return named(method, 'resource', uri, field);
}

/**
 * The operation one JSON-RPC message performs.
 *
 * @example
 * ```ts
 * operationOf({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'search' } });
 * // { kind: 'scoped', method: 'tools/call', scope: 'tool:search', name: 'search' }
 * ```
 */
export function operationOf(message: JsonRpcMessage): Operation {
  if (!('method' in message)) return { kind: 'open', method: '(response)' };
  const { method, params } = message;
  if (isNotification(message) || OPEN_METHODS.has(method)) return { kind: 'open', method };
  switch (method) {
    case 'tools/call':
      return named(method, 'tool', param(params, 'name'), 'name');
    case 'prompts/get':
      return named(method, 'prompt', param(params, 'name'), 'name');
    case 'resources/read':
    case 'resources/subscribe':
    case 'resources/unsubscribe':
      return resource(method, param(params, 'uri'), 'uri');
    case 'completion/complete': {
      // Completing an argument reveals values of the prompt or resource it belongs to.
      const ref = param(params, 'ref');
      const type = param(ref, 'type');
      if (type === 'ref/prompt') return named(method, 'prompt', param(ref, 'name'), 'ref.name');
      if (type === 'ref/resource') return resourceReference(method, param(ref, 'uri'), 'ref.uri');
      return { kind: 'invalid', method, reason: 'completion/complete needs a ref/prompt or ref/resource' };
    }
    default:
      return { kind: 'scoped', method, scope: `rpc:${method}`, name: method };
  }
}

/**
 * Every operation one JSON-RPC message performs: usually the one of {@link operationOf}; a
 * `subscriptions/listen` (2026-07-28) also reads every resource it subscribes to
 * (`params.notifications.resourceSubscriptions`), each needing its own `resource:` scope.
 *
 * @example
 * ```ts
 * operationsOf({ jsonrpc: '2.0', id: 1, method: 'subscriptions/listen', params: { notifications: { resourceSubscriptions: ['file:///a'] } } });
 * // [{ kind: 'open', ... }, { kind: 'scoped', scope: 'resource:file:///a', ... }]
 * ```
 */
export function operationsOf(message: JsonRpcMessage): Operation[] {
  const first = operationOf(message);
  if (!('method' in message) || message.method !== 'subscriptions/listen') return [first];
  const subscriptions = param(param(message.params, 'notifications'), 'resourceSubscriptions');
  if (subscriptions === undefined) return [first];
  const method = message.method;
  if (!Array.isArray(subscriptions))
    return [{ kind: 'invalid', method, reason: 'params.notifications.resourceSubscriptions must be an array of URIs' }];
  return [first, ...subscriptions.map((uri, i) => resource(method, uri, `notifications.resourceSubscriptions[${i}]`))];
}

const ROUTES: Record<string, string> = { tools: 'tool', prompts: 'prompt', resources: 'resource' };

// A segment as case-insensitive routers may see it (Unicode compatibility and case folded, so
// `TOOLS`, `Tools` and `toolſ` are all `tools`).
const fold = (segment: string) => segment.normalize('NFKC').toLowerCase();
const isRoute = (segment: string) => Object.hasOwn(ROUTES, fold(segment));

/**
 * The operation a plain (non-JSON-RPC) HTTP route names, from the request path's decoded segments,
 * matched the way lenient routers match them (case-insensitively): `/.../tools/<name>` ->
 * `tool:<name>`, `/.../prompts/<name>` -> `prompt:<name>`, `/.../resources/<rest>` ->
 * `resource:<rest>` (segments joined by `/`). `undefined` when the path names no such route.
 *
 * @example
 * ```ts
 * routeOperation('POST', ['mcp', 'tools', 'search']); // { kind: 'scoped', scope: 'tool:search', ... }
 * routeOperation('POST', ['mcp', 'TOOLS', 'search']); // the same
 * routeOperation('POST', ['admin', 'reset']); // undefined
 * ```
 */
export function routeOperation(httpMethod: string, segments: readonly string[]): Operation | undefined {
  const method = `${httpMethod.toUpperCase()} /${segments.join('/')}`;
  const routes = segments.filter(isRoute).length;
  // Routers disagree on which of two route segments wins (the first, the last): refuse the path.
  if (routes > 1) return { kind: 'invalid', method, reason: 'the path names more than one route' };
  const at = segments.findIndex(isRoute);
  if (at < 0 || at === segments.length - 1) return undefined;
  const kind = ROUTES[fold(segments[at] as string)] as string;
  const rest = segments.slice(at + 1);
  if (kind !== 'resource' && rest.length > 1)
    return { kind: 'invalid', method, reason: `a ${kind} name cannot contain "/"` };
  const name = rest.join('/');
  if (name === '' || rest.includes('')) return { kind: 'invalid', method, reason: `no ${kind} name` };
  if (kind === 'resource') {
    const checked = checkUriTemplate(name);
    if (!checked.ok) return { kind: 'invalid', method, reason: `the resource ${checked.reason}` };
  }
  return { kind: 'scoped', method, scope: `${kind}:${name}`, name };
}
