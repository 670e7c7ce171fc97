// The JSON-RPC errors a verifier in front of an A2A agent answers with, shaped as A2A 1.0 shapes
// its own (§9.5 / §11.6: `error.data` is a list of `google.rpc.ErrorInfo` details), so the A2A SDK
// clients surface them as errors a caller can read: a task that is not the caller's is the agent's
// own "task not found", and an AIP refusal carries the AIP code and HTTP status in its ErrorInfo.
import type { JsonRpcResponse } from '@aip/mcp';

/** A JSON-RPC error object. */
export type JsonRpcError = NonNullable<JsonRpcResponse['error']>;

/** A2A's `TaskNotFoundError` code. */
export const TASK_NOT_FOUND = -32001;

/** The JSON-RPC code of an AIP refusal (in the implementation-defined server-error range, outside A2A's -32001..-32009). */
export const AIP_REFUSED = -32050;

/** `google.rpc.ErrorInfo`'s type URL. */
export const ERROR_INFO_TYPE = 'type.googleapis.com/google.rpc.ErrorInfo';

/** The ErrorInfo domain of AIP refusals. */
export const AIP_ERROR_DOMAIN = 'github.com/aip-project/aip';

/**
 * "Task not found", as A2A agents answer for a task they do not have.
 *
 * @example
 * ```ts
 * const body = { jsonrpc: '2.0', id, error: taskNotFound() };
 * ```
 */
export function taskNotFound(): JsonRpcError {
  return {
    code: TASK_NOT_FOUND,
    message: 'Task not found',
    data: [{ '@type': ERROR_INFO_TYPE, reason: 'TASK_NOT_FOUND', domain: 'a2a-protocol.org' }],
  };
}

/**
 * An AIP refusal as a JSON-RPC error: `data[0].metadata` holds the AIP `code` and the HTTP
 * `status` it was answered with.
 *
 * @example
 * ```ts
 * aipRefusal('aip_scope_insufficient', 'the token does not allow a2a:task.cancel', 403);
 * // { code: -32050, message: '...', data: [{ '@type': ..., reason: 'AIP_SCOPE_INSUFFICIENT', domain, metadata: { code, status: '403' } }] }
 * ```
 */
export function aipRefusal(code: string, message: string, status: number): JsonRpcError {
  return {
    code: AIP_REFUSED,
    message,
    data: [
      {
        '@type': ERROR_INFO_TYPE,
        reason: code.toUpperCase(),
        domain: AIP_ERROR_DOMAIN,
        metadata: { code, status: String(status) },
      },
    ],
  };
}
