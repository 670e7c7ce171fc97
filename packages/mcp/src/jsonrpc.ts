// JSON-RPC 2.0 messages as MCP carries them: requests, notifications, responses, and batches.

/** A JSON-RPC id. */
export type JsonRpcId = string | number | null;

export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: JsonRpcId;
  method: string;
  params?: unknown;
}

export interface JsonRpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: unknown;
}

export interface JsonRpcResponse {
  jsonrpc: '2.0';
  id: JsonRpcId;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

/** What a body turned out to be. */
export type ParsedBody =
  | { kind: 'single'; message: JsonRpcMessage }
  | { kind: 'batch'; messages: JsonRpcMessage[] }
  | { kind: 'other' };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is JsonRpcId {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) || value === null;
}

/**
 * True for a well-formed JSON-RPC 2.0 request, notification or response.
 *
 * @example
 * ```ts
 * isJsonRpcMessage({ jsonrpc: '2.0', id: 1, method: 'ping' }); // true
 * ```
 */
export function isJsonRpcMessage(value: unknown): value is JsonRpcMessage {
  if (!isObject(value) || value.jsonrpc !== '2.0') return false;
  if (typeof value.method === 'string') return !('id' in value) || isId(value.id);
  // A `method` that is not a string makes it neither a request nor a response.
  if ('method' in value) return false;
  return isId(value.id) && ('result' in value || isObject(value.error));
}

/** True for a request (has a method and an id). */
export function isRequest(message: JsonRpcMessage): message is JsonRpcRequest {
  return 'method' in message && 'id' in message;
}

/** True for a notification (a method, no id). */
export function isNotification(message: JsonRpcMessage): message is JsonRpcNotification {
  return 'method' in message && !('id' in message);
}

/**
 * Classifies a parsed JSON body: one JSON-RPC message, a non-empty batch of them, or something
 * else (plain HTTP). A batch with any element that is not a JSON-RPC message is `other`.
 *
 * @example
 * ```ts
 * classifyBody(JSON.parse(body)).kind; // "single" | "batch" | "other"
 * ```
 */
export function classifyBody(body: unknown): ParsedBody {
  if (Array.isArray(body)) {
    return body.length > 0 && body.every(isJsonRpcMessage) ? { kind: 'batch', messages: body } : { kind: 'other' };
  }
  return isJsonRpcMessage(body) ? { kind: 'single', message: body } : { kind: 'other' };
}

const ENVELOPE_KEYS = new Set(['jsonrpc', 'id', 'method', 'params', 'result', 'error']);

// Member names as a case-insensitive parser sees them (Go's encoding/json folds like this,
// including the long s and the Kelvin sign).
function fold(key: string): string {
  return key.toLowerCase().replace(/\u017f/g, 's');
}

function foldCollision(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const seen = new Map<string, string>();
  for (const key of Object.keys(value)) {
    const folded = fold(key);
    const other = seen.get(folded);
    if (other !== undefined) return `"${other.slice(0, 40)}" and "${key.slice(0, 40)}"`;
    seen.set(folded, key);
  }
  return undefined;
}

/**
 * Why a message could be read differently by another JSON-RPC implementation, if it could:
 * members outside the JSON-RPC envelope (`ID`, `Method`...), member names that differ only in
 * case in the envelope, `params` or `params.ref`, or a "notification" whose method is not a
 * notification (a lenient server might still run it).
 *
 * @example
 * ```ts
 * ambiguityOf({ jsonrpc: '2.0', ID: 1, method: 'tools/call' }); // 'unknown member "ID"'
 * ```
 */
export function ambiguityOf(message: JsonRpcMessage): string | undefined {
  for (const key of Object.keys(message)) if (!ENVELOPE_KEYS.has(key)) return `unknown member "${key.slice(0, 40)}"`;
  if ('method' in message && !('id' in message) && !message.method.startsWith('notifications/')) {
    return `${message.method.slice(0, 60)} sent without an id`;
  }
  const params = 'params' in message ? message.params : undefined;
  const collision = foldCollision(params) ?? foldCollision((params as { ref?: unknown } | undefined)?.ref);
  return collision === undefined ? undefined : `members ${collision} differ only in case`;
}
