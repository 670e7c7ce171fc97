// A request body as the one text every upstream must read (DESIGN §5): no Content-Encoding, a
// UTF-8 (or no) charset, no byte order mark, valid UTF-8. Anything else is refused rather than
// guessed at: decoders that strip a BOM, honour a UTF-16 charset or inflate gzip would otherwise
// read a call the proxy never saw.
import type { IncomingHttpHeaders } from 'node:http';
import type { Refusal } from '../refusal.js';
import { refusal } from '../refusal.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** One header's value (repeated headers joined, as a lenient reader would). */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * The body's text, or why it has no single reading.
 *
 * @example
 * ```ts
 * const text = bodyText(req.headers, body);
 * if (typeof text !== 'string') return text; // a refusal
 * ```
 */
export function bodyText(headers: IncomingHttpHeaders, body: Buffer): string | Refusal {
  const encoding = headerValue(headers, 'content-encoding')?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity')
    return refusal('aip_unsupported_media_type', 'request bodies must not be content-encoded');
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i
    .exec(headerValue(headers, 'content-type') ?? '')?.[1]
    ?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')
    return refusal('aip_unsupported_media_type', 'request bodies must be UTF-8');
  if (body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf)
    return refusal('aip_request_invalid', 'request bodies must not start with a byte order mark');
  try {
    return utf8.decode(body);
  } catch {
    return refusal('aip_request_invalid', 'the request body is not valid UTF-8');
  }
}

/** True when the Content-Type says JSON (`application/json`, `application/x+json`). */
export function isJsonType(headers: IncomingHttpHeaders): boolean {
  return /^application\/(?:[\w.+-]+\+)?json\b/i.test(headerValue(headers, 'content-type')?.trim() ?? '');
}
