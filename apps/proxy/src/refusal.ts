// A refusal: what a stage returns instead of letting the request go on. The pipeline answers it,
// audits it and stops; no stage writes a refusal itself.
import type { OutgoingHttpHeaders } from 'node:http';
import type { JsonRpcId } from '@aip/mcp';
import type { ProxyResponseCode } from './http-status.js';

/** JSON-RPC codes the proxy answers with. */
export const INVALID_REQUEST = -32600;
export const INVALID_PARAMS = -32602;

/** The JSON-RPC error a protocol error is answered with (`data` as the protocol shapes it). */
export interface RpcError {
  id: JsonRpcId;
  code: number;
  data?: unknown;
}

/**
 * Why a request is not forwarded. `rpc`, when set, makes the answer an MCP protocol error (400
 * with a JSON-RPC error body); `code` is what the audit log and metrics record.
 */
export class Refusal {
  readonly code: ProxyResponseCode;
  readonly message: string;
  readonly headers: OutgoingHttpHeaders | undefined;
  readonly rpc: RpcError | undefined;
  /** The scopes the request lacks (`aip_scope_insufficient`), for a step-up challenge. */
  readonly scopes: readonly string[] | undefined;

  constructor(
    code: ProxyResponseCode,
    message: string,
    options: { headers?: OutgoingHttpHeaders; rpc?: RpcError; scopes?: readonly string[] } = {},
  ) {
    this.code = code;
    this.message = message;
    this.headers = options.headers;
    this.rpc = options.rpc;
    this.scopes = options.scopes;
  }
}

/**
 * The refusal of a request that asks for scopes its principal lacks (403), naming them.
 *
 * @example
 * ```ts
 * return insufficientScope(['tool:delete']); // "the token does not allow tool:delete"
 * ```
 */
export function insufficientScope(missing: readonly string[]): Refusal {
  const shown = missing.slice(0, 3).map((scope) => scope.slice(0, 200));
  const more = missing.length > 3 ? ` and ${missing.length - 3} more` : '';
  return new Refusal('aip_scope_insufficient', `the token does not allow ${shown.join(', ')}${more}`, {
    scopes: missing,
  });
}

/**
 * An AIP refusal.
 *
 * @example
 * ```ts
 * return refusal('aip_scope_insufficient', 'the token does not allow tool:delete');
 * ```
 */
export function refusal(code: ProxyResponseCode, message: string, headers?: OutgoingHttpHeaders): Refusal {
  return new Refusal(code, message, headers === undefined ? {} : { headers });
}

/**
 * A JSON-RPC refusal (audited as `aip_request_invalid`).
 *
 * @example
 * ```ts
 * return rpcRefusal(1, INVALID_PARAMS, 'Invalid params: tools/call needs a string params.name');
 * ```
 */
export function rpcRefusal(id: JsonRpcId, rpcCode: number, message: string, data?: unknown): Refusal {
  return new Refusal('aip_request_invalid', message, {
    rpc: data === undefined ? { id, code: rpcCode } : { id, code: rpcCode, data },
  });
}

/** Tells a refusal from a stage's other results. */
export function isRefusal(value: unknown): value is Refusal {
  return value instanceof Refusal;
}
