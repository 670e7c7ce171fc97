// A request body parsed once into JSON-RPC messages (DESIGN §5): single or batch, every message
// checked for what another parser could read differently (duplicate or case-variant members,
// unknown envelope members, requests posing as notifications, JSON that pretends to be
// JSON-RPC), nesting bounded before parsing, and the 2026-07-28 Mcp-Method / Mcp-Name headers
// held to the body. Pure: no I/O.
import type { IncomingHttpHeaders } from 'node:http';
import {
  ambiguityOf,
  checkStandardHeaders,
  classifyBody,
  HEADER_MISMATCH,
  type JsonRpcMessage,
  scanJson,
} from '@aip/mcp';
import { INVALID_REQUEST, type Refusal, refusal, rpcRefusal } from '../refusal.js';
import { bodyText, headerValue, isJsonType } from './body-text.js';

/** What a request body is. */
export type ParsedBody =
  | { kind: 'empty' }
  /** JSON-RPC: one message (`batch` false) or a batch. */
  | { kind: 'jsonrpc'; batch: boolean; messages: JsonRpcMessage[] }
  /** Anything else (a plain HTTP body). */
  | { kind: 'other' };

// JSON that tries to be JSON-RPC without being valid JSON-RPC: refused rather than treated as
// plain HTTP, so a lenient upstream cannot run a call the proxy did not authorize.
function looksLikeJsonRpc(json: unknown): boolean {
  const suspicious = (v: unknown) =>
    typeof v === 'object' && v !== null && Object.keys(v).some((k) => /^(jsonrpc|method|id|params)$/i.test(k));
  return Array.isArray(json) ? json.length === 0 || json.some(suspicious) : suspicious(json);
}

function idOf(message: JsonRpcMessage) {
  return 'id' in message ? message.id : null;
}

/**
 * Parses `body` (the complete request body).
 *
 * @example
 * ```ts
 * const parsed = parseBody(req.headers, body, 64);
 * if ('kind' in parsed && parsed.kind === 'jsonrpc') for (const m of parsed.messages) ...
 * ```
 */
export function parseBody(headers: IncomingHttpHeaders, body: Buffer, maxDepth: number): ParsedBody | Refusal {
  if (body.length === 0) return { kind: 'empty' };
  const text = bodyText(headers, body);
  if (typeof text !== 'string') return text;
  const trimmed = text.trimStart();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[') && !isJsonType(headers)) return { kind: 'other' };
  const scan = scanJson(text, maxDepth);
  if (scan === 'too-deep') return refusal('aip_request_invalid', `JSON bodies may nest at most ${maxDepth} levels`);
  if (scan === 'duplicate-keys') return rpcRefusal(null, INVALID_REQUEST, 'Invalid Request: duplicate member names');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return refusal('aip_request_invalid', 'the request body is not valid JSON');
  }
  const parsed = classifyBody(json);
  if (parsed.kind === 'other') {
    return looksLikeJsonRpc(json)
      ? rpcRefusal(null, INVALID_REQUEST, 'Invalid Request: not a valid JSON-RPC 2.0 message')
      : { kind: 'other' };
  }
  const messages = parsed.kind === 'single' ? [parsed.message] : parsed.messages;
  for (const message of messages) {
    const ambiguity = ambiguityOf(message);
    if (ambiguity !== undefined) return rpcRefusal(idOf(message), INVALID_REQUEST, `Invalid Request: ${ambiguity}`);
  }
  const standard = {
    protocolVersion: headerValue(headers, 'mcp-protocol-version'),
    mcpMethod: headerValue(headers, 'mcp-method'),
    mcpName: headerValue(headers, 'mcp-name'),
  };
  if (parsed.kind === 'batch') {
    if (standard.mcpMethod !== undefined)
      return rpcRefusal(null, HEADER_MISMATCH, 'Bad Request: Mcp-Method cannot describe a batch');
    return { kind: 'jsonrpc', batch: true, messages };
  }
  const mismatch = checkStandardHeaders(standard, parsed.message);
  if (mismatch !== undefined) return rpcRefusal(idOf(parsed.message), HEADER_MISMATCH, `Bad Request: ${mismatch}`);
  return { kind: 'jsonrpc', batch: false, messages };
}
