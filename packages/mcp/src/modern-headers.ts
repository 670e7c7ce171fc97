// The 2026-07-28 Streamable HTTP standard headers (SEP-2243): `Mcp-Method` and `Mcp-Name` mirror
// the body so intermediaries can route on them. A verifier that decides on the body must refuse
// any disagreement, or a router and the server could act on different operations.
import type { JsonRpcMessage } from './jsonrpc.js';

/** The JSON-RPC error code for a header/body disagreement (HeaderMismatch). */
export const HEADER_MISMATCH = -32020;

/** Body field mirrored by `Mcp-Name`, per method. */
const NAME_SOURCE: Record<string, string> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  'tasks/get': 'taskId',
  'tasks/update': 'taskId',
  'tasks/cancel': 'taskId',
};

const BASE64_CANONICAL = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes a header value that may use the `=?base64?...?=` sentinel; undefined when invalid. */
export function decodeHeaderValue(value: string): string | undefined {
  const v = value.trim();
  if (!(v.startsWith('=?base64?') && v.endsWith('?='))) return v;
  const b64 = v.slice(9, -2);
  if (!BASE64_CANONICAL.test(b64)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
}

/** True for protocol revisions that use the stateless per-request model (2026-07-28 and later). */
export function isModernRevision(version: string | undefined): boolean {
  return version !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(version.trim()) && version.trim() >= '2026-07-28';
}

/** The standard headers of one request, as received. */
export interface StandardHeaders {
  protocolVersion?: string | undefined;
  mcpMethod?: string | undefined;
  mcpName?: string | undefined;
}

/**
 * Checks the standard headers against a single JSON-RPC message. Returns a reason when they
 * disagree (or, on a modern revision, when a required one is missing), else `undefined`.
 *
 * @example
 * ```ts
 * checkStandardHeaders({ mcpMethod: 'tools/call', mcpName: 'search' }, { method: 'tools/call', params: { name: 'delete' } });
 * // 'the Mcp-Name header does not match params.name'
 * ```
 */
export function checkStandardHeaders(headers: StandardHeaders, message: JsonRpcMessage): string | undefined {
  const modern = isModernRevision(headers.protocolVersion);
  const method = 'method' in message ? message.method : undefined;
  const isRequest = method !== undefined && 'id' in message;
  if (headers.mcpMethod === undefined) {
    return modern && isRequest ? 'the Mcp-Method header is required on this protocol revision' : undefined;
  }
  if (method === undefined || headers.mcpMethod.trim() !== method)
    return 'the Mcp-Method header does not match the body method';
  const field = Object.hasOwn(NAME_SOURCE, method) ? NAME_SOURCE[method] : undefined;
  if (field === undefined) return undefined;
  const params = (message as { params?: unknown }).params;
  const bodyValue =
    typeof params === 'object' && params !== null ? (params as Record<string, unknown>)[field] : undefined;
  if (headers.mcpName === undefined) {
    return modern && isRequest && typeof bodyValue === 'string'
      ? 'the Mcp-Name header is required for this method'
      : undefined;
  }
  const decoded = decodeHeaderValue(headers.mcpName);
  if (decoded === undefined) return 'the Mcp-Name header has an invalid base64 value';
  if (decoded !== bodyValue) return `the Mcp-Name header does not match params.${field}`;
  return undefined;
}
