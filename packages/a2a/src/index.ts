// @aip/a2a: AIP identities and delegation chains over the Agent2Agent protocol (A2A 0.3 and 1.0).
export { type A2aCall, type A2aInvalid, a2aCallOf } from './call.js';
export {
  AIP_EXTENSION_URI,
  AIP_SECURITY_SCHEME,
  AIP_TOKEN_HEADER,
  type AipAgentIdentity,
  agentIdentityOf,
  aipExtension,
  type PublishOptions,
  publishAipIdentity,
} from './card.js';
export { type A2aFetchOptions, createA2aFetch } from './client-fetch.js';
export { A2aError, type A2aErrorCode } from './errors.js';
export { A2A_METHODS, A2A_SCOPES, type A2aMethod, type A2aScope, extensionMethodScope } from './methods.js';
export { type A2aReferences, filterTaskList, listedTaskIds, resultReferences } from './result.js';
export {
  AIP_ERROR_DOMAIN,
  AIP_REFUSED,
  aipRefusal,
  ERROR_INFO_TYPE,
  type JsonRpcError,
  TASK_NOT_FOUND,
  taskNotFound,
} from './wire-errors.js';
