// The authority each MCP message needs (DESIGN §5): tools/call -> tool:<name>, resources/read ->
// resource:<uri>, prompts/get -> prompt:<name>; lifecycle, list and notification traffic needs
// only a valid token; any other method needs rpc:<method>.
import { isNotification, type JsonRpcMessage } from './jsonrpc.js';

/** What the proxy must check before forwarding one message. */
export type Operation =
  /** Needs only a valid token (lifecycle, lists, notifications, responses). */
  | { kind: 'open'; method: string }
  /** Needs `scope`; `name` is the tool, prompt or resource it names. */
  | { kind: 'scoped'; method: string; scope: string; name: string }
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

function resource(method: string, uri: unknown, field: string): Operation {
  if (typeof uri === 'string' && hasDotSegment(uri))
    return { kind: 'invalid', method, reason: `params.${field} cannot contain "." or ".." segments` };
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
      if (type === 'ref/resource') return resource(method, param(ref, 'uri'), 'ref.uri');
      return { kind: 'invalid', method, reason: 'completion/complete needs a ref/prompt or ref/resource' };
    }
    default:
      return { kind: 'scoped', method, scope: `rpc:${method}`, name: method };
  }
}

const BODYLESS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);
const ROUTES: Record<string, string> = { tools: 'tool', prompts: 'prompt', resources: 'resource' };

/**
 * The operation of a plain (non-JSON-RPC) HTTP request, by path, read the way lenient routers read
 * it: each segment percent-decoded and matched case-insensitively. `/.../tools/<name>` ->
 * `tool:<name>`, `/.../prompts/<name>` -> `prompt:<name>`, `/.../resources/<rest>` ->
 * `resource:<rest>`. Any other GET, HEAD, DELETE or OPTIONS needs only a valid token (streams,
 * session teardown); any other request with a body needs `http:<path>`. An encoded `/`, or a
 * resource path with `.`/`..` segments, is refused.
 *
 * @example
 * ```ts
 * operationOfPath('POST', '/mcp/tools/search'); // { kind: 'scoped', scope: 'tool:search', ... }
 * operationOfPath('POST', '/mcp/TOOLS/%73earch'); // the same
 * ```
 */
export function operationOfPath(httpMethod: string, path: string): Operation {
  const pathname = path.split('?')[0] as string;
  const verb = httpMethod.toUpperCase();
  const method = `${verb} ${pathname}`;
  const segments: string[] = [];
  for (const raw of pathname.split('/').slice(1)) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return { kind: 'invalid', method, reason: 'the path is not valid percent-encoding' };
    }
    if (segment.includes('/') || segment.includes('\\'))
      return { kind: 'invalid', method, reason: 'the path contains an encoded separator' };
    segments.push(segment);
  }
  const at = segments.findIndex((segment) => Object.hasOwn(ROUTES, segment.toLowerCase()));
  if (at >= 0 && at < segments.length - 1) {
    const kind = ROUTES[(segments[at] as string).toLowerCase()] as string;
    const rest = segments.slice(at + 1);
    if (kind !== 'resource' && rest.length > 1)
      return { kind: 'invalid', method, reason: `a ${kind} name cannot contain "/"` };
    const name = rest.join('/');
    if (name === '') return { kind: 'invalid', method, reason: `no ${kind} name` };
    if (kind === 'resource' && hasDotSegment(name))
      return { kind: 'invalid', method, reason: 'a resource path cannot contain "." or ".." segments' };
    return { kind: 'scoped', method, scope: `${kind}:${name}`, name };
  }
  if (BODYLESS.has(verb)) return { kind: 'open', method };
  return { kind: 'scoped', method, scope: `http:${pathname}`, name: pathname };
}

/**
 * True when a URI or path has a `.` or `..` segment (also percent-encoded): resource scopes match
 * by prefix, so `file:///docs/../etc/passwd` must never pass as something under `file:///docs/`.
 *
 * @example
 * ```ts
 * hasDotSegment('file:///docs/../etc/passwd'); // true
 * ```
 */
export function hasDotSegment(uri: string): boolean {
  return /(^|[/\\])(\.|%2e){1,2}([/\\?#]|$)/i.test(uri);
}
