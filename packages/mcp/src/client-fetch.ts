// Agent-side helper: a fetch that attaches the AIP token (and, with a holder identity, a proof of
// possession per request) for the official MCP SDK client transports' `fetch` option.
import type { Identity } from '@aip/identity';
import { PROOF_HEADER, signRequest } from '@aip/token';

/** The header carrying the token. */
export const TOKEN_HEADER = 'X-AIP-Token';

/** Options of {@link createAipFetch}. */
export interface AipFetchOptions {
  /** The token (or chain) to present; a function is asked on every request (rotation). */
  token: string | (() => string);
  /** Sign each request with this identity (the token's final holder). */
  holder?: Identity;
  /** The resource identifier proofs are bound to; defaults to the request URL's origin. */
  audience?: string;
  /** The underlying fetch; defaults to the global one. */
  fetch?: typeof fetch;
}

function bodyBytes(body: unknown): string | Uint8Array {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new TypeError('a signed request needs a string or byte body (streams and forms cannot be signed up front)');
}

/**
 * A `fetch` for MCP SDK transports that adds `X-AIP-Token` and, when `holder` is given, an
 * `X-AIP-Proof` bound to the method, path, exact body and audience of each request.
 *
 * @example
 * ```ts
 * import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
 * const transport = new StreamableHTTPClientTransport(new URL('http://127.0.0.1:8080/mcp'), {
 *   fetch: createAipFetch({ token, holder: agent }),
 * });
 * ```
 */
export function createAipFetch(options: AipFetchOptions): typeof fetch {
  const base = options.fetch ?? globalThis.fetch;
  const aipFetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input);
    const method = (init.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const token = typeof options.token === 'function' ? options.token() : options.token;
    const headers = new Headers(input instanceof Request ? input.headers : undefined);
    new Headers(init.headers).forEach((value, key) => {
      headers.set(key, value);
    });
    headers.set(TOKEN_HEADER, token);
    if (options.holder !== undefined) {
      if (input instanceof Request && init.body === undefined && input.body !== null) {
        throw new TypeError('pass the body in init to sign a Request');
      }
      const proof = signRequest(options.holder, {
        token,
        method,
        path: `${url.pathname}${url.search}`,
        body: bodyBytes(init.body),
        audience: options.audience ?? url.origin,
      });
      headers.set(PROOF_HEADER, proof);
    }
    return base(input, { ...init, headers });
  };
  return aipFetch as typeof fetch;
}
