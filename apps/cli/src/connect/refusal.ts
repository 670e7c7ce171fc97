// A refusal by the AIP-protected server, as the MCP client behind `aip connect` gets it: a JSON-RPC
// error answering each request the refused HTTP request carried, its message the AIP code, what
// the server said and one hint on what to do (`aip_scope_insufficient: the token does not allow
// tool:delete (ask the token's issuer for one that includes it)`), `data` holding the code, the
// HTTP status and the hint. An MCP client shows an error; it never sees a 401 it could mistake
// for an OAuth prompt.

/** The JSON-RPC error code of every refusal `aip connect` reports (the AIP code is in `data`). */
export const AIP_REFUSED = -32040;

const MAX_BODY = 64 * 1024;

/** What the server said when it refused a request. */
export interface Refusal {
  status: number;
  /** The AIP code (`aip_scope_insufficient`), or `http_<status>` when the server gave none. */
  code: string;
  message: string;
  /** A JSON-RPC error response the server answered with itself (MCP protocol errors). */
  rpc?: { id: unknown; error: unknown };
  retryAfter?: string;
  /** The body as it came (at most 64 KiB). */
  raw: string;
}

/** What a hint may name. */
export interface HintContext {
  /** Where the token comes from (`the token in /path`). */
  token: string;
  /** What kind of source it is. */
  source: 'file' | 'env' | 'command';
  /** The audience proofs are bound to. */
  audience: string;
}

const HINTS: Record<string, (r: Refusal, c: HintContext) => string> = {
  aip_token_missing: (_r, c) => `no token reached the server: check ${c.token}`,
  aip_token_malformed: (_r, c) => `${c.token} is not a token this server can read`,
  aip_token_expired: (_r, c) =>
    c.source === 'command'
      ? `${c.token} has expired and the command brought no fresh one: run it by hand to see why`
      : c.source === 'file'
        ? `${c.token} has expired: put a fresh one there (it is read again)`
        : `${c.token} has expired: set a fresh one and restart the client`,
  aip_signature_invalid: () => 'a signature in the token or its chain does not verify: get a new token',
  aip_issuer_untrusted: () =>
    "the server does not trust the token's issuer: use a token from one it trusts (its metadata lists them)",
  aip_identity_unresolvable: () => "the token's issuer cannot be resolved to a key",
  aip_key_revoked: () => 'a key or link of the chain is revoked: get a new token',
  aip_proof_invalid: (_r, c) =>
    `the request was signed by $AIP_HOME's identity for ${c.audience}: the token must be held by that identity (aip whoami), the clocks must agree, and --audience must name the server if it is not its origin`,
  aip_audience_mismatch: () => 'the token was issued for another server: get one for this one (aip token issue --aud)',
  aip_scope_insufficient: () => "ask the token's issuer for a token (or a delegation) that includes it",
  aip_budget_exceeded: () => "the token's budget is spent: ask its issuer for more",
  aip_depth_exceeded: () => 'the delegation chain is deeper than its issuer allowed',
  aip_holder_mismatch: () => 'the token is held by another identity than the one signing',
  aip_rate_limited: (r) => `try again${r.retryAfter === undefined ? ' later' : ` in ${r.retryAfter} s`}`,
  aip_session_forbidden: () => 'the session belongs to another principal',
  aip_upstream_unavailable: () => 'the MCP server is not answering',
  aip_upstream_timeout: () => 'the MCP server did not answer in time',
};

/** The one-line hint for a refusal ('' when there is nothing to add). */
export function hintFor(refusal: Refusal, context: HintContext): string {
  return HINTS[refusal.code]?.(refusal, context) ?? '';
}

/**
 * Reads a refusal from a response that is not OK (its body is consumed, at most 64 KiB).
 *
 * @example
 * ```ts
 * if (!res.ok) console.error((await readRefusal(res)).code);
 * ```
 */
export async function readRefusal(res: Response): Promise<Refusal> {
  const text = (await res.text().catch(() => '')).slice(0, MAX_BODY);
  const refusal: Refusal = {
    status: res.status,
    code: `http_${res.status}`,
    message: res.statusText || 'refused',
    raw: text,
  };
  const retryAfter = res.headers.get('retry-after');
  if (retryAfter !== null) refusal.retryAfter = retryAfter;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    if (text.trim() !== '') refusal.message = text.trim().slice(0, 300);
    return refusal;
  }
  const error = (body as { error?: unknown } | null)?.error;
  if (typeof error === 'object' && error !== null) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if ((body as { jsonrpc?: unknown }).jsonrpc === '2.0') refusal.rpc = { id: (body as { id?: unknown }).id, error };
    else if (typeof code === 'string') refusal.code = code;
    if (typeof message === 'string') refusal.message = message.slice(0, 300);
  }
  return refusal;
}

/** The ids of the JSON-RPC requests in a body (none for notifications and responses). */
export function requestIds(body: unknown): (string | number)[] {
  let parsed: unknown;
  try {
    parsed =
      typeof body === 'string'
        ? JSON.parse(body)
        : body instanceof Uint8Array
          ? JSON.parse(new TextDecoder().decode(body))
          : undefined;
  } catch {
    return [];
  }
  const messages = Array.isArray(parsed) ? parsed : [parsed];
  const ids: (string | number)[] = [];
  for (const m of messages) {
    const { id, method } = (m ?? {}) as { id?: unknown; method?: unknown };
    if (typeof method === 'string' && (typeof id === 'string' || typeof id === 'number')) ids.push(id);
  }
  return ids;
}

/**
 * The JSON-RPC error responses that answer `ids` for a refusal: the server's own JSON-RPC error
 * when it gave one for that id, else an AIP refusal error.
 *
 * @example
 * ```ts
 * rpcErrors([7], refusal, { token: 'the token in ~/.aip/token', source: 'file', audience });
 * ```
 */
export function rpcErrors(ids: readonly (string | number)[], refusal: Refusal, context: HintContext): unknown[] {
  const hint = hintFor(refusal, context);
  const message = `${refusal.code}: ${refusal.message}${hint === '' ? '' : ` (${hint})`}`;
  return ids.map((id) =>
    refusal.rpc !== undefined && refusal.rpc.id === id
      ? { jsonrpc: '2.0', id, error: refusal.rpc.error }
      : {
          jsonrpc: '2.0',
          id,
          error: { code: AIP_REFUSED, message, data: { code: refusal.code, status: refusal.status, hint } },
        },
  );
}
