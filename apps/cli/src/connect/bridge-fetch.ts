// The fetch every request of `aip connect` goes through, to the AIP-protected server: the token
// (renewed first when due) and a fresh proof of possession signed by the local identity
// (`createAipFetch`), one retry with a renewed token when the server says it expired, and a
// refusal turned into JSON-RPC errors answering the requests it refused. `WWW-Authenticate` never
// reaches the MCP client (the bridge is the one that authenticates). A 404 for a session the
// server no longer knows can be reported to the caller instead (stdio: it opens a new one).
import type { Identity } from '@aip/identity';
import { createAipFetch } from '@aip/mcp';
import type { ConnectLog } from './log.js';
import { readRefusal, requestIds, rpcErrors } from './refusal.js';
import type { TokenSource } from './token-source.js';

/** The server no longer knows the session a request named (MCP: start a new one). */
export class SessionLostError extends Error {
  constructor() {
    super('the server no longer knows this session');
    this.name = 'SessionLostError';
  }
}

export interface BridgeFetchOptions {
  tokens: TokenSource;
  holder: Identity;
  /** What proofs are bound to; by default the origin of each request's URL. */
  audience?: string;
  /** `throw`: a 404 for a request naming a session throws SessionLostError; `pass`: it goes back as is. */
  sessionLoss: 'throw' | 'pass';
  log: ConnectLog;
  fetch?: typeof fetch;
}

function withoutChallenge(res: Response, body: string | null): Response {
  const headers = new Headers(res.headers);
  headers.delete('www-authenticate');
  headers.delete('content-length');
  return new Response(body, { status: res.status, statusText: res.statusText, headers });
}

/**
 * A signal of this request's own, aborted with `signal`. The SDK transports pass one long-lived
 * signal to every request, and fetch keeps a listener on it for as long as the request lives, or
 * longer: 10k calls held 40 MB. The link is dropped once the request is over (`release`).
 */
function linkedSignal(signal: AbortSignal | null | undefined): { signal?: AbortSignal; release(): void } {
  if (signal === null || signal === undefined) return { release() {} };
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return { signal: controller.signal, release: () => signal.removeEventListener('abort', onAbort) };
}

/** `res` with a body that calls `release` once it has been read to its end, failed or been cancelled. */
function releasing(res: Response, release: () => void): Response {
  if (res.body === null) {
    release();
    return res;
  }
  const reader = res.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          release();
          controller.close();
        } else controller.enqueue(value);
      } catch (err) {
        release();
        controller.error(err);
      }
    },
    cancel(reason) {
      release();
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
}

/**
 * The bridge's fetch.
 *
 * @example
 * ```ts
 * const fetch = createBridgeFetch({ tokens, holder: identity, sessionLoss: 'throw', log });
 * new StreamableHTTPClientTransport(new URL('https://mcp.example.com/mcp'), { fetch });
 * ```
 */
export function createBridgeFetch(options: BridgeFetchOptions): typeof fetch {
  const { tokens } = options;
  const signed = createAipFetch({
    token: () => tokens.current(),
    holder: options.holder,
    ...(options.audience === undefined ? {} : { audience: options.audience }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  const bridged = async (input: string | URL | Request, given: RequestInit = {}): Promise<Response> => {
    const link = linkedSignal(given.signal);
    const { signal: _transportSignal, ...rest } = given;
    const init: RequestInit = link.signal === undefined ? rest : { ...rest, signal: link.signal };
    try {
      return await answer(input, init, link.release);
    } catch (err) {
      link.release();
      throw err;
    }
  };

  async function answer(input: string | URL | Request, init: RequestInit, release: () => void): Promise<Response> {
    await tokens.fresh();
    let res = await signed(input, init);
    if (res.ok) return releasing(res, release);
    let refusal = await readRefusal(res);
    if (refusal.code === 'aip_token_expired' && (await tokens.renew())) {
      res = await signed(input, init);
      if (res.ok) return releasing(res, release);
      refusal = await readRefusal(res);
    }
    release();
    const sentSession = new Headers(init.headers).has('mcp-session-id');
    if (res.status === 404 && sentSession && options.sessionLoss === 'throw') throw new SessionLostError();
    const url = new URL(input instanceof Request ? input.url : input);
    const ids = requestIds(init.body);
    const answered = refusal.code.startsWith('aip_') || ids.some((id) => refusal.rpc?.id === id);
    if (ids.length > 0 && answered) {
      options.log.info(`refused (${refusal.code}): ${refusal.message}`);
      const errors = rpcErrors(ids, refusal, {
        token: tokens.describe(),
        source: tokens.kind,
        audience: options.audience ?? url.origin,
      });
      const text = JSON.stringify(errors.length === 1 ? errors[0] : errors);
      return new Response(text, { status: 200, headers: { 'content-type': 'application/json' } });
    }
    if (refusal.code.startsWith('aip_')) options.log.warn(`refused (${refusal.code}): ${refusal.message}`);
    // The body was read: give back what it said, as it was.
    return withoutChallenge(res, res.status === 204 || res.status === 304 ? null : refusal.raw);
  }
  return bridged as typeof fetch;
}
