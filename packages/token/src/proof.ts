// Proofs of possession (`X-AIP-Proof`, typ aip-pop+jwt): the final holder signs each request,
// bound to the token, the resource, the method, the path and the exact body (modeled on DPoP,
// RFC 9449), so a stolen token alone is useless and a captured request cannot be replayed.
import {
  didKeyFromPublicKey,
  encodeBase64Url,
  type Identity,
  type KeyEventState,
  sha256,
  verify as verifySignature,
} from '@aip/identity';
import { type ProofClaims, readProofClaims } from './claims.js';
import { TokenError } from './errors.js';
import { parseSegment, signingBytes, signSegment } from './lib/jws.js';
import { randomId } from './lib/random-id.js';
import { DEFAULT_CLOCK_TOLERANCE } from './limits.js';
import type { ReplayCache } from './replay-cache.js';

/** The HTTP header carrying the proof. */
export const PROOF_HEADER = 'X-AIP-Proof';

const encoder = new TextEncoder();

/** The request a proof is bound to. */
export interface ProofRequest {
  /** The exact token sent with the request. */
  token: string;
  /** HTTP method, e.g. `POST`. */
  method: string;
  /** The request target: path and query, e.g. `/mcp?x=1`. */
  path: string;
  /** The exact body bytes (a string is taken as UTF-8); empty for none. */
  body?: Uint8Array | string;
  /** The resource identifier the proof is for (the server's `aud`). */
  audience: string;
}

function hashOf(data: Uint8Array | string): string {
  return encodeBase64Url(sha256(typeof data === 'string' ? encoder.encode(data) : data));
}

/**
 * Signs a request with the holder's key. Send the result as `X-AIP-Proof` next to the token.
 *
 * @example
 * ```ts
 * const proof = signRequest(agent, { token, method: 'POST', path: '/mcp', body, audience: 'did:key:z6MkServer' });
 * await fetch(url, { method: 'POST', body, headers: { 'X-AIP-Token': token, 'X-AIP-Proof': proof } });
 * ```
 */
export function signRequest(holder: Identity, request: ProofRequest & { now?: number; jti?: string }): string {
  const claims: ProofClaims = {
    aud: request.audience,
    htm: request.method.toUpperCase(),
    htu: request.path,
    ath: hashOf(request.token),
    bh: hashOf(request.body ?? new Uint8Array(0)),
    jti: request.jti ?? randomId(),
    iat: Math.floor(request.now ?? Date.now() / 1000),
  };
  readProofClaims(claims as unknown as Record<string, unknown>);
  return signSegment('aip-pop+jwt', claims, holder);
}

/** Options of {@link checkProof}: the request a proof must be bound to, and the holder's key. */
export interface CheckProofOptions extends ProofRequest {
  /** The public key of the token's final holder (`VerifiedToken.subjectKey`). */
  holderKey: Uint8Array;
  /** Unix seconds; defaults to the clock. */
  now?: number;
  /** Oldest acceptable proof, seconds. Default 60. */
  maxAge?: number;
  /** Seconds `iat` may lie in the future. Default 30. */
  clockTolerance?: number;
  /**
   * The key-event state (or a function returning it): a proof signed by a revoked key, or by a key
   * rotated away at or before the proof's `iat`, is `aip_key_revoked`.
   */
  keyState?: KeyEventState | (() => KeyEventState | undefined);
}

/** Options of {@link verifyProof}. */
export interface VerifyProofOptions extends CheckProofOptions {
  /** Remembers proof ids for the acceptance window. */
  replayCache: ReplayCache;
}

/** A proof that verified, and what must still be claimed to accept it (see {@link checkProof}). */
export interface CheckedProof {
  claims: ProofClaims;
  /** The id to claim in a replay store: unique per holder and proof. */
  replayKey: string;
  /** Until when (Unix seconds) the claim must be kept. */
  replayUntil: number;
}

/**
 * Verifies a proof's structure, its binding to this exact request (token, audience, method, path,
 * body), its freshness and the holder's signature — everything but replay. The caller must claim
 * `replayKey` until `replayUntil` in a replay store before accepting the request (a verifier that
 * first decides whether the request is allowed at all claims only the ones it admits, so refused
 * requests cannot fill the store). Every failure is `TokenError` `aip_proof_invalid`, but a holder key
 * the key-event state refuses (`keyState`), which is `aip_key_revoked`.
 *
 * @example
 * ```ts
 * const checked = checkProof(proof, { token, method, path, body, audience, holderKey });
 * if ((await claims.claim(checked.replayKey, checked.replayUntil)) !== 'fresh') refuse();
 * ```
 */
export function checkProof(proof: string | undefined, options: CheckProofOptions): CheckedProof {
  const invalid = (reason: string) => new TokenError('aip_proof_invalid', reason);
  if (typeof proof !== 'string' || proof.length === 0) throw invalid('a proof of possession (X-AIP-Proof) is required');
  let segment: ReturnType<typeof parseSegment>;
  try {
    segment = parseSegment(proof, 'aip-pop+jwt', 'proof');
  } catch (err) {
    if (err instanceof TokenError) throw invalid(err.message);
    throw err;
  }
  const claims = readProofClaims(segment.payload);
  if (claims.ath !== hashOf(options.token)) throw invalid('proof is bound to another token');
  if (claims.aud !== options.audience) throw invalid('proof is bound to another resource');
  if (claims.htm !== options.method.toUpperCase() || claims.htu !== options.path)
    throw invalid('proof is bound to another method or path');
  if (claims.bh !== hashOf(options.body ?? new Uint8Array(0))) throw invalid('proof is bound to another body');
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const maxAge = options.maxAge ?? 60;
  if (claims.iat > now + (options.clockTolerance ?? DEFAULT_CLOCK_TOLERANCE))
    throw invalid('proof is issued in the future');
  if (claims.iat < now - maxAge) throw invalid('proof is too old');
  if (!verifySignature(segment.signature, signingBytes(segment), options.holderKey)) {
    throw invalid('proof is not signed by the token holder');
  }
  const keyState = typeof options.keyState === 'function' ? options.keyState() : options.keyState;
  const refusal = keyState?.refusal(didKeyFromPublicKey(options.holderKey), claims.iat);
  if (refusal !== undefined) {
    throw new TokenError(
      'aip_key_revoked',
      refusal === 'revoked' ? 'proof is signed by a revoked key' : 'proof is signed by a key rotated away',
    );
  }
  return {
    claims,
    replayKey: `${encodeBase64Url(options.holderKey)}.${claims.jti}`,
    replayUntil: claims.iat + maxAge + 1,
  };
}

/**
 * Verifies a proof: its structure, its binding to this exact request (token, audience, method,
 * path, body), its freshness, the holder's signature and, last, that it was never seen before.
 * Every failure is `TokenError` `aip_proof_invalid`.
 *
 * @example
 * ```ts
 * verifyProof(req.headers['x-aip-proof'], { token, method, path, body, audience, holderKey: verified.subjectKey, replayCache });
 * ```
 */
export function verifyProof(proof: string | undefined, options: VerifyProofOptions): ProofClaims {
  const checked = checkProof(proof, options);
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const verdict = options.replayCache.remember(checked.replayKey, checked.replayUntil, now);
  if (verdict === 'replayed') throw new TokenError('aip_proof_invalid', 'proof was already used');
  if (verdict === 'full') throw new TokenError('aip_proof_invalid', 'proof cannot be accepted now (replay cache full)');
  return checked.claims;
}
