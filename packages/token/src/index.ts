// @aip/token: compact tokens, delegation chains, proofs of possession, scopes.
export { type AuditPolicy, type AuditWarning, type AuditWarningCode, auditChain, DEFAULT_AUDIT } from './audit.js';
export type { LinkClaims, ProofClaims, TokenClaims } from './claims.js';
export { type DelegateOptions, delegate } from './delegate.js';
export { TokenError, type TokenErrorCode, type TokenErrorOptions } from './errors.js';
export { type DecodedSegment, decodeToken, looksLikeAipToken } from './inspect.js';
export { type IssueOptions, issueToken } from './issue.js';
export {
  DEFAULT_CLOCK_TOLERANCE,
  MAX_CHAIN_LINKS,
  MAX_SCOPE_LENGTH,
  MAX_SEGMENT_LENGTH,
  MAX_TOKEN_LENGTH,
} from './limits.js';
export {
  type CheckedProof,
  type CheckProofOptions,
  checkProof,
  PROOF_HEADER,
  type ProofRequest,
  signRequest,
  type VerifyProofOptions,
  verifyProof,
} from './proof.js';
export { createMemoryReplayCache, type ReplayCache, type ReplayVerdict } from './replay-cache.js';
export {
  coveringPatterns,
  isScopeSubset,
  isValidScope,
  isWildcardScope,
  patternCovers,
  SCOPE_GRAMMAR,
  scopeAllows,
  scopeMatches,
} from './scope.js';
export {
  createTokenVerifier,
  type RevocationQuery,
  type TokenVerifier,
  type TokenVerifierOptions,
  type VerifiedLink,
  type VerifiedToken,
  type VerifierStats,
  type VerifyOptions,
  verifyToken,
} from './verify.js';
