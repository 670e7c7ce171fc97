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
      return named(method, 'resource', param(params, 'uri'), 'uri');
    case 'completion/complete': {
      // Completing an argument reveals values of the prompt or resource it belongs to.
      const ref = param(params, 'ref');
      const type = param(ref, 'type');
      if (type === 'ref/prompt') return named(method, 'prompt', param(ref, 'name'), 'ref.name');
      if (type === 'ref/resource') return named(method, 'resource', param(ref, 'uri'), 'ref.uri');
      return { kind: 'invalid', method, reason: 'completion/complete needs a ref/prompt or ref/resource' };
    }
    default:
      return { kind: 'scoped', method, scope: `rpc:${method}`, name: method };
  }
}

/**
 * The operation of a plain (non-JSON-RPC) HTTP request, by path: `/.../tools/<name>` ->
 * `tool:<name>`, `/.../prompts/<name>` -> `prompt:<name>`, `/.../resources/<rest>` ->
 * `resource:<rest>`; anything else needs only a valid token (streams, session teardown).
 *
 * @example
 * ```ts
 * operationOfPath('POST', '/mcp/tools/search'); // { kind: 'scoped', scope: 'tool:search', ... }
 * ```
 */
export function operationOfPath(httpMethod: string, path: string): Operation {
  const pathname = path.split('?')[0] as string;
  const match = /\/(tools|prompts|resources)\/(.+)$/.exec(pathname);
  const method = `${httpMethod.toUpperCase()} ${pathname}`;
  if (match === null) return { kind: 'open', method };
  let name: string;
  try {
    name = decodeURIComponent(match[2] as string);
  } catch {
    return { kind: 'invalid', method, reason: 'the path is not valid percent-encoding' };
  }
  const kind = match[1] === 'tools' ? 'tool' : match[1] === 'prompts' ? 'prompt' : 'resource';
  if (kind !== 'resource' && name.includes('/'))
    return { kind: 'invalid', method, reason: `a ${kind} name cannot contain "/"` };
  return { kind: 'scoped', method, scope: `${kind}:${name}`, name };
}
