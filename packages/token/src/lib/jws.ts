// JWS compact serialization (RFC 7515 §7.1) for the three AIP segment types, strict: the header
// must be exactly {"alg":"EdDSA","typ":<type>}, every part strict base64url, the payload a JSON
// object, the signature 64 bytes. Nothing here touches a key.
import { decodeBase64Url, encodeBase64Url, type Identity } from '@aip/identity';
import { TokenError } from '../errors.js';
import { MAX_SEGMENT_LENGTH } from '../limits.js';

export type SegmentType = 'aip+jwt' | 'aip-dlg+jwt' | 'aip-pop+jwt';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

// The canonical header of each type, pre-encoded: the common case is one string comparison.
const HEADERS: Record<SegmentType, string> = {
  'aip+jwt': encodeBase64Url(encoder.encode('{"alg":"EdDSA","typ":"aip+jwt"}')),
  'aip-dlg+jwt': encodeBase64Url(encoder.encode('{"alg":"EdDSA","typ":"aip-dlg+jwt"}')),
  'aip-pop+jwt': encodeBase64Url(encoder.encode('{"alg":"EdDSA","typ":"aip-pop+jwt"}')),
};
const MAX_HEADER_LENGTH = 256;

export interface ParsedSegment {
  /** The segment exactly as received. */
  raw: string;
  /** `header.payload`, the bytes the signature covers (as a string; ASCII by construction). */
  signingInput: string;
  signature: Uint8Array;
  payload: Record<string, unknown>;
}

function malformed(what: string, reason: string): TokenError {
  return new TokenError('aip_token_malformed', `${what}: ${reason}`);
}

function checkHeader(encoded: string, type: SegmentType, what: string): void {
  if (encoded === HEADERS[type]) return;
  if (encoded.length > MAX_HEADER_LENGTH) throw malformed(what, 'header too large');
  const bytes = decodeBase64Url(encoded);
  if (bytes === undefined) throw malformed(what, 'header is not base64url');
  let header: unknown;
  try {
    header = JSON.parse(decoder.decode(bytes));
  } catch {
    throw malformed(what, 'header is not JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw malformed(what, 'header is not an object');
  const h = header as Record<string, unknown>;
  // Only EdDSA: "none", HMAC with a public key as secret and every other confusion fail here.
  if (h.alg !== 'EdDSA') throw malformed(what, 'alg must be "EdDSA"');
  if (h.typ !== type) throw malformed(what, `typ must be "${type}"`);
  if (Object.keys(h).length !== 2) throw malformed(what, 'header may only contain alg and typ');
}

/**
 * The `typ` a compact JWS's header names, or `undefined` when the header is not a bounded base64url
 * JSON object with a string `typ`. Nothing else is checked.
 */
export function headerType(raw: string): string | undefined {
  const dot = raw.indexOf('.');
  const encoded = dot < 0 ? raw : raw.slice(0, dot);
  for (const [type, header] of Object.entries(HEADERS)) if (encoded === header) return type;
  if (encoded.length === 0 || encoded.length > MAX_HEADER_LENGTH) return undefined;
  const bytes = decodeBase64Url(encoded);
  if (bytes === undefined) return undefined;
  try {
    const header: unknown = JSON.parse(decoder.decode(bytes));
    const typ = typeof header === 'object' && header !== null ? (header as { typ?: unknown }).typ : undefined;
    return typeof typ === 'string' ? typ : undefined;
  } catch {
    return undefined;
  }
}

/** Parses one compact JWS of the given type. Throws `aip_token_malformed`. */
export function parseSegment(raw: string, type: SegmentType, what: string): ParsedSegment {
  if (raw.length === 0) throw malformed(what, 'empty');
  if (raw.length > MAX_SEGMENT_LENGTH) throw malformed(what, `longer than ${MAX_SEGMENT_LENGTH} characters`);
  const dot1 = raw.indexOf('.');
  const dot2 = dot1 < 0 ? -1 : raw.indexOf('.', dot1 + 1);
  if (dot1 < 0 || dot2 < 0 || raw.indexOf('.', dot2 + 1) >= 0) throw malformed(what, 'not a three-part JWS');
  checkHeader(raw.slice(0, dot1), type, what);
  const payloadBytes = decodeBase64Url(raw.slice(dot1 + 1, dot2));
  if (payloadBytes === undefined) throw malformed(what, 'payload is not base64url');
  const signature = decodeBase64Url(raw.slice(dot2 + 1));
  if (signature === undefined || signature.length !== 64)
    throw malformed(what, 'signature must be 64 bytes of base64url');
  let payload: unknown;
  try {
    payload = JSON.parse(decoder.decode(payloadBytes));
  } catch {
    throw malformed(what, 'payload is not JSON');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw malformed(what, 'payload is not a JSON object');
  }
  return { raw, signingInput: raw.slice(0, dot2), signature, payload: payload as Record<string, unknown> };
}

/** Signs `payload` as a compact JWS of `type` with `signer`. */
export function signSegment(type: SegmentType, payload: object, signer: Identity): string {
  const signingInput = `${HEADERS[type]}.${encodeBase64Url(encoder.encode(JSON.stringify(payload)))}`;
  return `${signingInput}.${encodeBase64Url(signer.sign(encoder.encode(signingInput)))}`;
}

/** The bytes a segment's signature covers. */
export function signingBytes(segment: ParsedSegment): Uint8Array {
  return encoder.encode(segment.signingInput);
}
