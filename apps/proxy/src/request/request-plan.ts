// What a request asks the upstream to do, read from every part it can route on (DESIGN §5): the
// path and the body together. A path that is one of the upstream's MCP endpoints carries JSON-RPC
// and nothing else; a path that routes to a tool (`/.../tools/<name>`) carries no JSON-RPC; any
// other path is plain HTTP and needs `http:<path>` on top of whatever its body asks. The plan
// also carries the body to forward, with every resource URI in the form it was authorized in.
import { type JsonRpcId, type JsonRpcMessage, type Operation, operationsOf, routeOperation, taskIdsOf } from '@aip/mcp';
import { INVALID_PARAMS, isRefusal, type Refusal, refusal, rpcRefusal } from '../refusal.js';
import type { ParsedBody } from './json-rpc-body.js';
import type { RequestTarget } from './target.js';

/** An authorizable request. */
export interface RequestPlan {
  /** Everything the upstream could act on; each scoped one must be allowed. */
  operations: Operation[];
  /** JSON-RPC method, `batch`, or the request line (`POST /admin/reset`). */
  method: string;
  /** Tools, prompts, resources or paths named. */
  names: string[];
  /** Task ids the request refers to (each must belong to the caller). */
  taskIds: string[];
  /** A list was asked for: its response must be filtered. */
  lists: boolean;
  /** A request asks for a task: its response may create one, to bind to the caller. */
  createsTask: boolean;
  /** A long-lived stream: a GET on an MCP endpoint, or a subscriptions/listen. */
  stream: boolean;
  /** The body to forward when it differs from the one received (canonical resource URIs). */
  body: Buffer | undefined;
}

const BODYLESS = new Set(['GET', 'HEAD']);
const ENDPOINT_METHODS = new Set(['POST', 'GET', 'HEAD', 'DELETE', 'OPTIONS']);

function params(message: JsonRpcMessage): Record<string, unknown> | undefined {
  const p = 'params' in message ? message.params : undefined;
  return typeof p === 'object' && p !== null && !Array.isArray(p) ? (p as Record<string, unknown>) : undefined;
}

// A copy of `value` with `path` (`uri`, `notifications.resourceSubscriptions[2]`) set to `to`.
function withValue(value: unknown, path: string, to: string): unknown {
  const match = /^([^.[]+)(?:\[(\d+)\])?(?:\.(.+))?$/.exec(path);
  if (match === null || typeof value !== 'object' || value === null) return value;
  const [, key, index, rest] = match as unknown as [string, string, string | undefined, string | undefined];
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  if (index === undefined) copy[key] = rest === undefined ? to : withValue(copy[key], rest, to);
  else if (Array.isArray(copy[key])) {
    const list = [...(copy[key] as unknown[])];
    list[Number(index)] = rest === undefined ? to : withValue(list[Number(index)], rest, to);
    copy[key] = list;
  }
  return copy;
}

// The value at `path` of `value`, the same paths as above.
function valueAt(value: unknown, path: string): unknown {
  let at: unknown = value;
  for (const part of path.split(/\.|\[|\]/).filter((p) => p !== '')) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

function messagePlan(messages: JsonRpcMessage[], batch: boolean): Omit<RequestPlan, 'stream'> | Refusal {
  const operations: Operation[] = [];
  const taskIds: string[] = [];
  const forwarded: JsonRpcMessage[] = [];
  let rewritten = false;
  let createsTask = false;
  for (const message of messages) {
    const id: JsonRpcId = 'id' in message ? message.id : null;
    const ops = operationsOf(message);
    const invalid = ops.find((op) => op.kind === 'invalid');
    if (invalid !== undefined && invalid.kind === 'invalid')
      return rpcRefusal(id, INVALID_PARAMS, `Invalid params: ${invalid.reason}`);
    const tasks = taskIdsOf(message);
    if (!tasks.ok) return rpcRefusal(id, INVALID_PARAMS, `Invalid params: ${tasks.reason}`);
    operations.push(...ops);
    taskIds.push(...tasks.ids);
    const p = params(message);
    if ('method' in message && 'id' in message && p?.task !== undefined) createsTask = true;
    // Forward each resource URI as it was authorized, not as it was spelled.
    let forwardedParams: unknown = p;
    for (const op of ops)
      if (op.kind === 'scoped' && op.uri !== undefined && op.field !== undefined && valueAt(p, op.field) !== op.uri)
        forwardedParams = withValue(forwardedParams, op.field, op.uri);
    if (forwardedParams !== p) {
      rewritten = true;
      forwarded.push({ ...message, params: forwardedParams } as JsonRpcMessage);
    } else {
      forwarded.push(message);
    }
  }
  const first = messages[0] as JsonRpcMessage;
  return {
    operations,
    method: batch ? 'batch' : 'method' in first ? first.method : '(response)',
    names: operations.flatMap((op) => (op.kind === 'scoped' ? [op.name] : [])),
    taskIds,
    lists: operations.some((op) => op.method.endsWith('/list')),
    createsTask,
    body: rewritten ? Buffer.from(JSON.stringify(batch ? forwarded : forwarded[0])) : undefined,
  };
}

/**
 * Plans a request from its method, canonical target and parsed body, given the upstream's MCP
 * endpoint paths. Pure; the caller checks the scoped operations against the caller's scope.
 *
 * @example
 * ```ts
 * planRequest('POST', target, parsed, ['/mcp']); // { operations: [{ kind: 'scoped', scope: 'tool:search', ... }], ... }
 * ```
 */
export function planRequest(
  httpMethod: string,
  target: RequestTarget,
  body: ParsedBody,
  mcpPaths: readonly string[],
): RequestPlan | Refusal {
  const verb = httpMethod.toUpperCase();
  const line = `${verb} ${target.path}`;
  if (BODYLESS.has(verb) && body.kind !== 'empty')
    return refusal('aip_request_invalid', `a ${verb} request cannot carry a body`);
  if (mcpPaths.includes(target.path)) {
    if (!ENDPOINT_METHODS.has(verb)) return refusal('aip_method_not_allowed', `the MCP endpoint does not take ${verb}`);
    if (verb === 'POST') {
      if (body.kind !== 'jsonrpc') return refusal('aip_request_invalid', 'the MCP endpoint takes JSON-RPC bodies only');
      const plan = messagePlan(body.messages, body.batch);
      // subscriptions/listen (2026-07-28) opens a long-lived stream, as a GET does.
      if (isRefusal(plan)) return plan;
      return { ...plan, stream: !body.batch && plan.method === 'subscriptions/listen' };
    }
    if (body.kind !== 'empty')
      return refusal('aip_request_invalid', `a ${verb} to the MCP endpoint cannot carry a body`);
    return {
      operations: [{ kind: 'open', method: line }],
      method: line,
      names: [],
      taskIds: [],
      lists: false,
      createsTask: false,
      stream: verb === 'GET',
      body: undefined,
    };
  }
  const routed = routeOperation(verb, target.segments) ?? {
    kind: 'scoped' as const,
    method: line,
    scope: `http:${target.path}`,
    name: target.path,
  };
  if (routed.kind === 'invalid') return refusal('aip_request_invalid', routed.reason);
  if (routed.kind !== 'scoped') return refusal('aip_internal', 'a route without a scope');
  const route = routed;
  if (body.kind === 'jsonrpc') {
    if (route.scope.startsWith('http:') === false)
      return refusal(
        'aip_request_invalid',
        `a JSON-RPC body cannot go to a path that routes to ${route.scope.slice(0, 200)}`,
      );
    const messages = messagePlan(body.messages, body.batch);
    if (isRefusal(messages)) return messages;
    return {
      ...messages,
      operations: [route, ...messages.operations],
      names: [route.name, ...messages.names],
      stream: false,
    };
  }
  return {
    operations: [route],
    method: line,
    names: [route.name],
    taskIds: [],
    lists: false,
    createsTask: false,
    stream: false,
    body: undefined,
  };
}
