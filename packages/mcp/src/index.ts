// @aip/mcp: MCP-aware authorization helpers and client-side token attachment.
export { type AipFetchOptions, createAipFetch, TOKEN_HEADER } from './client-fetch.js';
export { hasDuplicateKeys, type JsonScan, scanJson } from './json-scan.js';
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
export { filterListResult, type ListFilterOptions, mayCarryList } from './list-filter.js';
export {
  checkStandardHeaders,
  decodeHeaderValue,
  HEADER_MISMATCH,
  isModernRevision,
  type StandardHeaders,
} from './modern-headers.js';
export { type Operation, operationOf, operationsOf, routeOperation } from './operation.js';
export { type CanonicalUri, canonicalResourceUri, checkUriTemplate } from './resource-uri.js';
export { isSessionQueryKey, SESSION_HEADER } from './session-channels.js';
export { createdTaskId, mayCarryTask, RELATED_TASK_META, type TaskReferences, taskIdsOf } from './tasks.js';
