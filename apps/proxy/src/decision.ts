// Deciding what one HTTP request asks for (DESIGN §5): JSON-RPC bodies, single or batch, each
// message mapped to the scope it needs; the 2026-07-28 headers checked against the body; plain
// HTTP requests mapped by path. Fails closed on anything another parser could read differently
// (encoded or non-UTF-8 bodies, byte order marks, duplicate or case-variant members). Pure: no
// I/O, the verified scope is an input.
import type { IncomingHttpHeaders } from 'node:http';
import {
  ambiguityOf,
  checkStandardHeaders,
  classifyBody,
  HEADER_MISMATCH,
  hasDuplicateKeys,
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
  | {
      allowed: false;
      kind: 'aip';
      code: 'aip_scope_insufficient' | 'aip_request_invalid' | 'aip_unsupported_media_type';
      message: string;
      method: string;
      names: string[];
    }
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
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function refuse(code: 'aip_request_invalid' | 'aip_unsupported_media_type', message: string, method: string): Refused {
  return { allowed: false, kind: 'aip', code, message, method, names: [] };
}

/**
 * The body as the one text every upstream must read: no Content-Encoding, a UTF-8 (or no)
 * charset, no byte order mark, valid UTF-8. Anything else is refused rather than guessed at:
 * decoders that strip a BOM, honour a UTF-16 charset or inflate gzip would otherwise read a call
 * the proxy never saw.
 */
function bodyText(headers: IncomingHttpHeaders, body: Buffer, method: string): string | Refused {
  const encoding = header(headers, 'content-encoding')?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
    return refuse('aip_unsupported_media_type', 'request bodies must not be content-encoded', method);
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(header(headers, 'content-type') ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    return refuse('aip_unsupported_media_type', 'request bodies must be UTF-8', method);
  }
  if (body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) {
    return refuse('aip_request_invalid', 'request bodies must not start with a byte order mark', method);
  }
  try {
    return utf8.decode(body);
  } catch {
    return refuse('aip_request_invalid', 'the request body is not valid UTF-8', method);
  }
}

const isJsonType = (headers: IncomingHttpHeaders) =>
  /^application\/(?:[\w.+-]+\+)?json\b/i.test(header(headers, 'content-type')?.trim() ?? '');

// JSON that tries to be JSON-RPC without being valid JSON-RPC: refused rather than treated as
// plain HTTP, so a lenient upstream cannot run a call the proxy did not authorize.
function looksLikeJsonRpc(json: unknown): boolean {
  const suspicious = (v: unknown) =>
    typeof v === 'object' && v !== null && Object.keys(v).some((k) => /^(jsonrpc|method|id|params)$/i.test(k));
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
  let method = `${httpMethod} ${path.split('?')[0]}`;
  let operations: Operation[] | undefined;
  let ids: JsonRpcId[] = [];
  if (body.length > 0) {
    const text = bodyText(headers, body, method);
    if (typeof text !== 'string') return text;
    const trimmed = text.trimStart();
    if (trimmed.startsWith('{') || trimmed.startsWith('[') || isJsonType(headers)) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return refuse('aip_request_invalid', 'the request body is not valid JSON', method);
      }
      if (hasDuplicateKeys(text)) {
        return {
          allowed: false,
          kind: 'jsonrpc',
          id: null,
          rpcCode: INVALID_REQUEST,
          message: 'Invalid Request: duplicate member names',
          method,
          names: [],
        };
      }
      const parsed = classifyBody(json);
      if (parsed.kind === 'single') {
        const message = parsed.message;
        const id = 'id' in message ? message.id : null;
        method = 'method' in message ? message.method : '(response)';
        const ambiguity = ambiguityOf(message);
        if (ambiguity !== undefined)
          return {
            allowed: false,
            kind: 'jsonrpc',
            id,
            rpcCode: INVALID_REQUEST,
            message: `Invalid Request: ${ambiguity}`,
            method,
            names: [],
          };
        const mismatch = checkStandardHeaders(
          {
            protocolVersion: header(headers, 'mcp-protocol-version'),
            mcpMethod: header(headers, 'mcp-method'),
            mcpName: header(headers, 'mcp-name'),
          },
          message,
        );
        if (mismatch !== undefined)
          return {
            allowed: false,
            kind: 'jsonrpc',
            id,
            rpcCode: HEADER_MISMATCH,
            message: `Bad Request: ${mismatch}`,
            method,
            names: [],
          };
        operations = [operationOf(message)];
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
        for (const message of parsed.messages) {
          const ambiguity = ambiguityOf(message);
          if (ambiguity !== undefined)
            return {
              allowed: false,
              kind: 'jsonrpc',
              id: 'id' in message ? message.id : null,
              rpcCode: INVALID_REQUEST,
              message: `Invalid Request: ${ambiguity}`,
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
  }
  if (operations === undefined) {
    const byPath = operationOfPath(httpMethod, path);
    if (byPath.kind === 'invalid') return refuse('aip_request_invalid', byPath.reason, method);
    operations = [byPath];
  }
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
