// Agent-side helper: a fetch for @a2a-js/sdk clients (their transports' `fetchImpl`, the card
// resolver's too) that presents a chain delegated to the remote agent and signs a proof of
// possession per request, audience the agent's did:key — streaming requests (message/stream,
// SendStreamingMessage) included, since a proof covers the request and not its answer.
import { didKeyFromId, type Identity } from '@aip/identity';
import { createAipFetch } from '@aip/mcp';
import { decodeToken, TokenError } from '@aip/token';
import { AIP_EXTENSION_URI as AIP_URI, agentIdentityOf } from './card.js';
import { A2aError } from './errors.js';

/** Options of {@link createA2aFetch}. */
export interface A2aFetchOptions {
  /**
   * The chain delegated to the agent: its last `sub` is the agent's did:key. A function is asked
   * on every request (renewal).
   */
  token: string | (() => string);
  /** Who delegated to the agent (the issuer of the chain's last segment): signs every request. */
  holder: Identity;
  /** The agent: its did:key, or its agent card (which must carry the AIP extension). */
  agent: string | Record<string, unknown>;
  /** The underlying fetch; defaults to the global one. */
  fetch?: typeof fetch;
}

/** The A2A service parameter in which a client asks for extensions (A2A §3.2.6). */
const EXTENSIONS_HEADER = 'A2A-Extensions';

function sameKey(a: string, b: string): boolean {
  try {
    return didKeyFromId(a) === didKeyFromId(b);
  } catch {
    return false;
  }
}

// A chain for another agent, or one the holder did not delegate, would be refused by the agent:
// say so here, where the cause is plain.
function checkChain(token: string, agentDid: string, holder: Identity): void {
  const last = decodeToken(token).at(-1)?.claims;
  if (last === undefined) throw new TokenError('aip_token_malformed', 'empty token');
  if (!sameKey(last.sub, agentDid))
    throw new TokenError(
      'aip_audience_mismatch',
      `the chain is delegated to ${last.sub}, not to the agent ${agentDid}`,
    );
  if (!sameKey(last.iss, holder.did))
    throw new TokenError('aip_holder_mismatch', 'the holder did not delegate the last segment of this chain');
}

/**
 * A `fetch` for A2A SDK clients: adds the chain (`X-AIP-Token`), a proof (`X-AIP-Proof`) signed by
 * `holder` and bound to the method, path, exact body and the agent's did:key, and asks for the AIP
 * extension (`A2A-Extensions`). Throws `A2aError` (`aip_agent_card_invalid`) for a card without
 * an AIP identity; a request with a chain not delegated to the agent by `holder` rejects with
 * `TokenError` (`aip_audience_mismatch`, `aip_holder_mismatch`) before anything is sent.
 *
 * @example
 * ```ts
 * import { ClientFactory, ClientFactoryOptions, JsonRpcTransportFactory } from '@a2a-js/sdk/client';
 * const card = await (await fetch(`${url}/.well-known/agent-card.json`, { headers: { 'A2A-Version': '1.0' } })).json();
 * const chain = delegate(grant, orchestrator, { to: agentIdentityOf(card)!.did, scope: ['a2a:message'], context: 'research' });
 * const fetchImpl = createA2aFetch({ token: chain, holder: orchestrator, agent: card });
 * const factory = new ClientFactory(ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
 *   transports: [new JsonRpcTransportFactory({ fetchImpl })],
 * }));
 * const client = await factory.createFromAgentCard(AgentCard.fromJSON(card));
 * ```
 */
export function createA2aFetch(options: A2aFetchOptions): typeof fetch {
  let agentDid: string;
  if (typeof options.agent === 'string') agentDid = didKeyFromId(options.agent);
  else {
    const identity = agentIdentityOf(options.agent);
    if (identity === undefined) throw new A2aError('aip_agent_card_invalid', 'the agent card names no AIP identity');
    agentDid = identity.did;
  }
  let checked: string | undefined;
  const currentToken = () => {
    const token = typeof options.token === 'function' ? options.token() : options.token;
    if (token !== checked) {
      checkChain(token, agentDid, options.holder);
      checked = token;
    }
    return token;
  };
  const aipFetch = createAipFetch({
    token: currentToken,
    holder: options.holder,
    audience: agentDid,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  const a2aFetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    const requested = (headers.get(EXTENSIONS_HEADER) ?? '')
      .split(',')
      .map((uri) => uri.trim())
      .filter((uri) => uri !== '');
    if (!requested.includes(AIP_URI)) headers.set(EXTENSIONS_HEADER, [...requested, AIP_URI].join(', '));
    return aipFetch(input, { ...init, headers });
  };
  return a2aFetch as typeof fetch;
}
