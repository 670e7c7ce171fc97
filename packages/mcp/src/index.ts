// @aip/mcp: MCP-aware authorization helpers and client-side token attachment.
export { type AipFetchOptions, createAipFetch, TOKEN_HEADER } from './client-fetch.js';
export { hasDuplicateKeys } from './json-keys.js';
export {
  ambiguityOf,
  classifyBody,
  isJsonRpcMessage,
  isNotification,
  isRequest,
  type JsonRpcId,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type ParsedBody,
} from './jsonrpc.js';
export { filterListResult, mayCarryList } from './list-filter.js';
export {
  checkStandardHeaders,
  decodeHeaderValue,
  HEADER_MISMATCH,
  isModernRevision,
  type StandardHeaders,
} from './modern-headers.js';
export { hasDotSegment, type Operation, operationOf, operationOfPath } from './operation.js';
