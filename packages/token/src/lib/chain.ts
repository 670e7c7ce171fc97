// Splitting a token into its root and delegation links (`~`-joined) and parsing each one
// structurally: sizes and counts first, then JWS framing, then claims. No key is used here.
import { encodeBase64Url, sha256 } from '@aip/identity';
import { type LinkClaims, readLinkClaims, readTokenClaims, type TokenClaims } from '../claims.js';
import { TokenError } from '../errors.js';
import { MAX_CHAIN_LINKS, MAX_TOKEN_LENGTH } from '../limits.js';
import { type ParsedSegment, parseSegment } from './jws.js';

const encoder = new TextEncoder();

/** One parsed segment of a chain: the root token (index 0) or a link. */
export interface ChainEntry {
  segment: ParsedSegment;
  claims: TokenClaims | LinkClaims;
  /** base64url SHA-256 of the segment's exact bytes: a link's `prev`, and the id audits and ledgers use. */
  id: string;
}

/** Splits a token into segments, refusing empty or oversize input and more than 8 links. */
export function splitToken(token: unknown): string[] {
  if (typeof token !== 'string' || token.length === 0) throw new TokenError('aip_token_missing', 'no token');
  if (token.length > MAX_TOKEN_LENGTH)
    throw new TokenError('aip_token_malformed', `token longer than ${MAX_TOKEN_LENGTH} characters`);
  const segments = token.split('~');
  if (segments.length - 1 > MAX_CHAIN_LINKS) {
    throw new TokenError(
      'aip_depth_exceeded',
      `chain has ${segments.length - 1} links; at most ${MAX_CHAIN_LINKS} are allowed`,
    );
  }
  return segments;
}

export function segmentName(index: number): string {
  return index === 0 ? 'token' : `link ${index}`;
}

/** The id of a segment: base64url(SHA-256(bytes)). */
export function segmentId(raw: string): string {
  return encodeBase64Url(sha256(encoder.encode(raw)));
}

/** Parses segment `index` of a chain. Throws `aip_token_malformed` naming the segment in `link`. */
export function parseEntry(raw: string, index: number): ChainEntry {
  const what = segmentName(index);
  try {
    const segment = parseSegment(raw, index === 0 ? 'aip+jwt' : 'aip-dlg+jwt', what);
    const claims = index === 0 ? readTokenClaims(segment.payload, what) : readLinkClaims(segment.payload, what);
    return { segment, claims, id: segmentId(raw) };
  } catch (err) {
    if (err instanceof TokenError && err.link === undefined) {
      throw new TokenError(err.code, err.message, { link: index });
    }
    throw err;
  }
}

/** Parses a whole token structurally (no signature is checked). */
export function parseChain(token: unknown): ChainEntry[] {
  return splitToken(token).map(parseEntry);
}
