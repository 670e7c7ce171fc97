// Deciding what one HTTP request asks for (DESIGN §5): JSON-RPC bodies, single or batch, each
// message mapped to the scope it needs; the 2026-07-28 headers checked against the body; plain
// HTTP requests mapped by path. Pure: no I/O, the verified token is an input.
import type { IncomingHttpHeaders } from 'node:http';
import {
  checkStandardHeaders,
  classifyBody,
  HEADER_MISMATCH,
  type JsonRpcId,
  type Operation,
  operationOf,
  operationOfPath,
} from '@aip/mcp';
import { scopeAllows } from '@aip/token';

/** What the request is, once authorized. */
export interface Allowed {
  allowed: true;
  operations: Operation[];
  /** JSON-RPC method, `batch`, or the HTTP request line. */
  method: string;
  /** Tools, prompts or resources named. */
  names: string[];
  /** A list was asked for: JSON responses must be filtered. */
  lists: boolean;
}

/** Why the request is refused. */
export type Refused =
  | { allowed: false; kind: 'aip'; code: 'aip_scope_insufficient'; message: string; method: string; names: string[] }
  | {
      allowed: false;
      kind: 'jsonrpc';
      id: JsonRpcId;
      rpcCode: number;
      message: string;
      method: string;
      names: string[];
    };

const INVALID_REQUEST = -32600;
const INVALID_PARAMS = -32602;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

// Whatever the Content-Type says, a body that looks like JSON is inspected: an upstream that
// ignores Content-Type must not receive an unchecked JSON-RPC call.
function parseJson(body: Buffer): unknown {
  let i = 0;
  while (i < body.length && (body[i] === 0x20 || body[i] === 0x0a || body[i] === 0x0d || body[i] === 0x09)) i++;
  if (body[i] !== 0x7b && body[i] !== 0x5b) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

// JSON that tries to be JSON-RPC without being valid JSON-RPC: refused rather than treated as
// plain HTTP, so a lenient upstream cannot run a call the proxy did not authorize.
function looksLikeJsonRpc(json: unknown): boolean {
  const suspicious = (v: unknown) => typeof v === 'object' && v !== null && ('jsonrpc' in v || 'method' in v);
  return Array.isArray(json) ? json.length === 0 || json.some(suspicious) : suspicious(json);
}

/**
 * Decides a request against the verified scope. `body` is the complete request body.
 *
 * @example
 * ```ts
 * const d = decide('POST', '/mcp', req.headers, body, verified.scope);
 * if (!d.allowed) deny(d);
 * ```
 */
export function decide(
  httpMethod: string,
  path: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
  scope: readonly string[],
): Allowed | Refused {
  let operations: Operation[] | undefined;
  let ids: JsonRpcId[] = [];
  let method = `${httpMethod} ${path.split('?')[0]}`;
  const json = body.length > 0 ? parseJson(body) : undefined;
  if (json !== undefined) {
    const parsed = classifyBody(json);
    if (parsed.kind === 'single') {
      const mismatch = checkStandardHeaders(
        {
          protocolVersion: header(headers, 'mcp-protocol-version'),
          mcpMethod: header(headers, 'mcp-method'),
          mcpName: header(headers, 'mcp-name'),
        },
        parsed.message,
      );
      const id = 'id' in parsed.message ? parsed.message.id : null;
      method = 'method' in parsed.message ? parsed.message.method : '(response)';
      if (mismatch !== undefined) {
        return {
          allowed: false,
          kind: 'jsonrpc',
          id,
          rpcCode: HEADER_MISMATCH,
          message: `Bad Request: ${mismatch}`,
          method,
          names: [],
        };
      }
      operations = [operationOf(parsed.message)];
      ids = [id];
    } else if (parsed.kind === 'batch') {
      method = 'batch';
      if (header(headers, 'mcp-method') !== undefined) {
        return {
          allowed: false,
          kind: 'jsonrpc',
          id: null,
          rpcCode: HEADER_MISMATCH,
          message: 'Bad Request: Mcp-Method cannot describe a batch',
          method,
          names: [],
        };
      }
      operations = parsed.messages.map(operationOf);
      ids = parsed.messages.map((m) => ('id' in m ? m.id : null));
    } else if (looksLikeJsonRpc(json)) {
      return {
        allowed: false,
        kind: 'jsonrpc',
        id: null,
        rpcCode: INVALID_REQUEST,
        message: 'Invalid Request: not a valid JSON-RPC 2.0 message',
        method,
        names: [],
      };
    }
  }
  operations ??= [operationOfPath(httpMethod, path)];
  const names = operations.flatMap((op) => (op.kind === 'scoped' ? [op.name] : []));
  for (let i = 0; i < operations.length; i++) {
    const op = operations[i] as Operation;
    if (op.kind === 'invalid') {
      return {
        allowed: false,
        kind: 'jsonrpc',
        id: ids[i] ?? null,
        rpcCode: INVALID_PARAMS,
        message: `Invalid params: ${op.reason}`,
        method,
        names,
      };
    }
  }
  // Every element of a batch must be allowed; one denial refuses the whole batch.
  for (const op of operations) {
    if (op.kind === 'scoped' && !scopeAllows(scope, op.scope)) {
      return {
        allowed: false,
        kind: 'aip',
        code: 'aip_scope_insufficient',
        message: `the token does not allow ${op.scope.slice(0, 200)}`,
        method,
        names,
      };
    }
  }
  return { allowed: true, operations, method, names, lists: operations.some((op) => op.method.endsWith('/list')) };
}
