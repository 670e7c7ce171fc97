// Resource URIs as the MCP SDKs read them. The SDK servers parse `params.uri` with the WHATWG URL
// parser (`new URL(uri)`), which deletes tab, LF and CR anywhere, resolves `.` and `..` segments
// (also `%2e`), and normalizes case and percent-encoding. A verifier that compared the raw string
// against a scope would authorize one URI and let the server read another; so the URI is checked
// for everything such a second reading could exploit, and the scope is decided on the parsed form.

/** The outcome of {@link canonicalResourceUri}. */
export type CanonicalUri = { ok: true; uri: string } | { ok: false; reason: string };

const MAX_URI = 8 * 1024;
// Raw characters a parser may delete, fold or split on: C0 controls, DEL, C1 controls, and any
// whitespace (including the Unicode spaces).
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const UNSAFE_CHARACTER = /[\u0000-\u0020\u007f-\u009f\s\\]/u;
// Percent-escapes of separators, dots, escapes and control characters: decoded by a lenient
// reader they become a path a prefix scope never saw.
const UNSAFE_ESCAPE = /%(?:2[ef5]|5c|[01][0-9a-f]|7f)/i;
const DOT_SEGMENT = /(?:^|[/:])(?:\.|%2e){1,2}(?:[/?#]|$)/i;

function unsafe(uri: string): string | undefined {
  if (uri.length === 0) return 'is empty';
  if (uri.length > MAX_URI) return `is longer than ${MAX_URI} characters`;
  if (UNSAFE_CHARACTER.test(uri)) return 'contains a control character, whitespace or a backslash';
  if (UNSAFE_ESCAPE.test(uri)) return 'contains an encoded separator, dot, escape or control character';
  if (DOT_SEGMENT.test(uri)) return 'contains a "." or ".." segment';
  return undefined;
}

/**
 * The URI a `resources/read` (or subscribe) names, as the SDK server will read it: the WHATWG
 * parse of `uri`, serialized. Refused (with the reason) when `uri` holds anything two readers could
 * disagree on: control characters, whitespace, backslashes, encoded separators or dots, dot
 * segments, or text that is not an absolute URI. The caller authorizes and forwards `uri` of the
 * result, so the server can only read what was authorized.
 *
 * @example
 * ```ts
 * canonicalResourceUri('FILE:///docs/a.txt'); // { ok: true, uri: 'file:///docs/a.txt' }
 * canonicalResourceUri('file:///docs/.\t./etc/secret'); // { ok: false, reason: 'contains a control character, ...' }
 * ```
 */
export function canonicalResourceUri(uri: string): CanonicalUri {
  const reason = unsafe(uri);
  if (reason !== undefined) return { ok: false, reason };
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    return { ok: false, reason: 'is not an absolute URI' };
  }
  return { ok: true, uri: parsed.href };
}

/**
 * Checks a resource URI *template* (or a URI used as a completion reference), which the SDKs
 * compare as a string rather than parse: the same characters are refused as for a URI, and the
 * string itself is what is authorized and forwarded.
 *
 * @example
 * ```ts
 * checkUriTemplate('file:///docs/{path}'); // { ok: true, uri: 'file:///docs/{path}' }
 * ```
 */
export function checkUriTemplate(template: string): CanonicalUri {
  const reason = unsafe(template);
  return reason === undefined ? { ok: true, uri: template } : { ok: false, reason };
}
