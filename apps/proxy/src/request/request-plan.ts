// What a request asks the upstream to do, read from every part it can route on (DESIGN §5): the
// path and the body together. A path that is one of the upstream's MCP endpoints carries JSON-RPC
// and nothing else; so does the A2A agent's endpoint, where the body is read as A2A (@aip/a2a); a
// path that routes to a tool (`/.../tools/<name>`) carries no JSON-RPC; any other path is plain
// HTTP and needs `http:<path>` on top of whatever its body asks. The plan also carries the body to
// forward, with every resource URI in the form it was authorized in.
import { a2aCallOf } from '@aip/a2a';
import { type JsonRpcId, type JsonRpcMessage, type Operation, operationsOf, routeOperation, taskIdsOf } from '@aip/mcp';
import { INVALID_PARAMS, INVALID_REQUEST, isRefusal, type Refusal, refusal, rpcRefusal } from '../refusal.js';
import type { ParsedBody } from './json-rpc-body.js';
import type { RequestTarget } from './target.js';

/** An authorizable request. */
export interface RequestPlan {
  /** How the body was read: MCP, A2A (the agent's endpoint), or plain HTTP. */
  protocol: 'mcp' | 'a2a' | 'http';
  /** Everything the upstream could act on; each scoped one must be allowed. */
  operations: Operation[];
  /** JSON-RPC method, `batch`, or the request line (`POST /admin/reset`). */
  method: string;
  /** Tools, prompts, resources or paths named. */
  names: string[];
  /** Task ids the request refers to (each must belong to the caller). */
  taskIds: string[];
  /** A2A contexts the request joins (none may be another caller's). */
  contextIds: string[];
  /** A list was asked for: its response must be filtered. */
  lists: boolean;
  /** A request asks for a task: its response may create one, to bind to the caller. */
  createsTask: boolean;
  /** The response is an agent card, to publish the AIP identity in. */
  card: boolean;
  /** A long-lived stream: a GET on an MCP endpoint, a subscriptions/listen, an A2A task subscription. */
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

// The plan of JSON-RPC messages sent to an MCP endpoint (or after a plain route): every operation
// they name, the tasks they refer to, and the body to forward.
function messagePlan(messages: readonly JsonRpcMessage[], batch: boolean): RequestPlan | Refusal {
  const operations: Operation[] = [];
  const names: string[] = [];
  const taskIds: string[] = [];
  let forwarded: JsonRpcMessage[] | undefined; // only when a URI was rewritten
  let createsTask = false;
  let lists = false;
  for (let m = 0; m < messages.length; m++) {
    const message = messages[m] as JsonRpcMessage;
    const id: JsonRpcId = 'id' in message ? message.id : null;
    const ops = operationsOf(message);
    for (const op of ops)
      if (op.kind === 'invalid') return rpcRefusal(id, INVALID_PARAMS, `Invalid params: ${op.reason}`);
    const tasks = taskIdsOf(message);
    if (!tasks.ok) return rpcRefusal(id, INVALID_PARAMS, `Invalid params: ${tasks.reason}`);
    for (const taskId of tasks.ids) taskIds.push(taskId);
    const p = params(message);
    if ('method' in message && 'id' in message && p?.task !== undefined) createsTask = true;
    // Forward each resource URI as it was authorized, not as it was spelled.
    let forwardedParams: unknown = p;
    for (const op of ops) {
      operations.push(op);
      if (op.kind === 'scoped') names.push(op.name);
      if (op.method.endsWith('/list')) lists = true;
      if (op.kind === 'scoped' && op.uri !== undefined && op.field !== undefined && valueAt(p, op.field) !== op.uri)
        forwardedParams = withValue(forwardedParams, op.field, op.uri);
    }
    if (forwardedParams !== p) {
      forwarded ??= messages.slice(0, m);
      forwarded.push({ ...message, params: forwardedParams } as JsonRpcMessage);
    } else forwarded?.push(message);
  }
  const first = messages[0] as JsonRpcMessage;
  return {
    protocol: 'mcp',
    operations,
    method: batch ? 'batch' : 'method' in first ? first.method : '(response)',
    names,
    taskIds,
    contextIds: [],
    lists,
    createsTask,
    card: false,
    stream: false,
    body: forwarded === undefined ? undefined : Buffer.from(JSON.stringify(batch ? forwarded : forwarded[0])),
  };
}

// An A2A request: its scopes, and the tasks and contexts it names. The body is forwarded as
// received: every part of it the agent reads was read here the same way, or refused. A
// subscription to a task's events is a long-lived stream; a message's streamed answer is not.
function a2aPlan(message: JsonRpcMessage): RequestPlan | Refusal {
  const call = a2aCallOf(message);
  if (call.kind === 'invalid')
    return rpcRefusal('id' in message ? message.id : null, INVALID_PARAMS, `Invalid params: ${call.reason}`);
  return {
    protocol: 'a2a',
    stream: call.subscribes,
    operations: call.scopes.map((scope) => ({ kind: 'scoped', method: call.method, scope, name: scope })),
    method: call.method,
    names: call.scopes,
    taskIds: call.taskIds,
    contextIds: call.contextIds,
    lists: call.answer === 'tasks',
    createsTask: call.answer === 'task',
    card: call.answer === 'card',
    body: undefined,
  };
}

/**
 * Plans a request from its method, canonical target and parsed body, given the upstream's MCP
 * endpoint paths and the A2A agent's endpoint paths. Pure; the caller checks the scoped
 * operations against the caller's scope.
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
  a2aPaths: readonly string[] = [],
): RequestPlan | Refusal {
  const verb = httpMethod.toUpperCase();
  const line = `${verb} ${target.path}`;
  if (BODYLESS.has(verb) && body.kind !== 'empty')
    return refusal('aip_request_invalid', `a ${verb} request cannot carry a body`);
  if (a2aPaths.includes(target.path)) {
    // The JSON-RPC binding of A2A is POST only.
    if (verb !== 'POST') return refusal('aip_method_not_allowed', `the A2A endpoint does not take ${verb}`);
    if (body.kind !== 'jsonrpc') return refusal('aip_request_invalid', 'the A2A endpoint takes JSON-RPC bodies only');
    // A2A answers one request per call (its servers refuse batches): what an answer carries is
    // known from the one method asked.
    if (body.batch)
      return rpcRefusal(null, INVALID_REQUEST, 'Invalid Request: an A2A agent takes one request per call');
    return a2aPlan(body.messages[0] as JsonRpcMessage);
  }
  if (mcpPaths.includes(target.path)) {
    if (!ENDPOINT_METHODS.has(verb)) return refusal('aip_method_not_allowed', `the MCP endpoint does not take ${verb}`);
    if (verb === 'POST') {
      if (body.kind !== 'jsonrpc') return refusal('aip_request_invalid', 'the MCP endpoint takes JSON-RPC bodies only');
      const plan = messagePlan(body.messages, body.batch);
      if (isRefusal(plan)) return plan;
      // subscriptions/listen (2026-07-28) opens a long-lived stream, as a GET does.
      plan.stream = !body.batch && plan.method === 'subscriptions/listen';
      return plan;
    }
    if (body.kind !== 'empty')
      return refusal('aip_request_invalid', `a ${verb} to the MCP endpoint cannot carry a body`);
    return {
      protocol: 'mcp',
      operations: [{ kind: 'open', method: line }],
      method: line,
      names: [],
      taskIds: [],
      contextIds: [],
      lists: false,
      createsTask: false,
      card: false,
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
    messages.operations.unshift(route);
    messages.names.unshift(route.name);
    return messages;
  }
  return {
    protocol: 'http',
    operations: [route],
    method: line,
    names: [route.name],
    taskIds: [],
    contextIds: [],
    lists: false,
    createsTask: false,
    card: false,
    stream: false,
    body: undefined,
  };
}
