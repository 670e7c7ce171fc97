// @aip/identity: self-minted Ed25519 identities for AI agents. This entry runs in any JavaScript
// runtime (no static node:* import); the key store and file helpers are in `@aip/identity/node`.
export { aipKeyFromPublicKey, publicKeyFromAipKey } from './aip-key.js';
export { decodeBase64Url, encodeBase64Url } from './base64url.js';
export {
  type Canonicalization,
  createDetachedSignature,
  DETACHED_SIGNATURE_TYPE,
  type DetachedContent,
  type DetachedSignature,
  type DetachedVerification,
  parseDetachedSignature,
  verifyDetachedSignature,
} from './detached.js';
export { didKeyFromPublicKey, publicKeyFromDidKey } from './did-key.js';
export { createDidWebKeys, type DidWebKeys, type DidWebKeysOptions } from './did-web.js';
export {
  createSigner,
  type Ed25519Backend,
  type Ed25519Options,
  generateSecretKey,
  getPublicKey,
  isValidPublicKey,
  sign,
  verify,
} from './ed25519.js';
export {
  type AipErrorCode,
  ERROR_CODES,
  type ErrorCodeOf,
  type ErrorCodeSource,
  LOCAL_ERROR_CODES,
  type LocalErrorCode,
  type WireErrorCode,
} from './error-codes.js';
export { AipError, IdentityError, type IdentityErrorCode } from './errors.js';
export { sha256 } from './hash.js';
export { HTTP_STATUS, httpStatusOf, isAipErrorCode, isWireErrorCode, UNKNOWN_CODE_STATUS } from './http-status.js';
export {
  exportSecretKey,
  generateIdentity,
  type Identity,
  type IdentityOptions,
  identityFromSecretKey,
} from './identity.js';
export { canonicalize } from './jcs.js';
export {
  createInception,
  createKeyRevocation,
  createRotation,
  type InceptionEvent,
  KEY_EVENT_TYPE,
  type KeyEvent,
  type KeyEventOptions,
  type KeyRevocationEvent,
  keyCommitment,
  keyEventId,
  MAX_KEY_EVENT_LENGTH,
  MAX_REASON_LENGTH,
  parseKeyEvent,
  type RotationEvent,
  type VerifiedKeyEvent,
  verifyKeyEvent,
} from './key-event.js';
export {
  computeKeyState,
  describeLineage,
  type KeyEventState,
  type KeyLineage,
  type KeyRecord,
  type KeyRefusal,
  type KeyRevocationInfo,
  type KeyStatusView,
  type LineageView,
} from './key-event-state.js';
export {
  didKeyFromId,
  identifiersOf,
  isSelfCertifyingId,
  type KeyIdentifiers,
  publicKeyFromId,
} from './key-id.js';
export { assertPlatformClaim, isPlatformClaim, MAX_PLATFORM_CLAIM_LENGTH } from './platform-claim.js';
export { createDidResolver, resolveDid, resolvePublicKey } from './resolver.js';
export { signingInput, signJson, verifyJson } from './signed-json.js';
