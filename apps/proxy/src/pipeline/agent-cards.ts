// The A2A agent card (A2A §8.2), served without a token: fetched from the agent on each request
// (with the client's A2A-Version, which picks the card's shape) and published with the AIP identity
// the proxy enforces — the configured did:key, whether proofs are required, the trusted issuers —
// and the proxy's public URL in place of the agent's own (@aip/a2a publishAipIdentity). A card
// request is an unauthenticated request: it counts against its client address's budget.
import { type AipAgentIdentity, publishAipIdentity } from '@aip/a2a';
import { didKeyFromId } from '@aip/identity';
import type { Dispatcher, Pool } from 'undici';
import type { Clock } from '../clock.js';
import type { ProxyConfig } from '../config/sections.js';
import { refusal } from '../refusal.js';
import { formatTarget } from '../request/target.js';
import type { RateLimiter } from '../state/rate-limiter.js';
import { readAll } from '../upstream/relay.js';
import type { RequestContext } from './context.js';
import type { Responder } from './respond.js';
import { ANSWERED, type StageResult } from './stage.js';

const MAX_CARD = 1024 * 1024;
// What goes on from the agent's answer: the card's type and how it may be cached (per A2A-Version).
const KEPT_HEADERS = ['content-type', 'cache-control', 'vary'];

/** The agent card as the proxy publishes it, from the agent's own. */
export type CardPublisher = (card: unknown) => { card: Record<string, unknown>; changed: boolean };

/**
 * The publisher of `config`'s agent: its identity, and interface URLs moved from the agent's origin
 * to `publicBase`.
 *
 * @example
 * ```ts
 * const publish = cardPublisher(config, new URL('http://127.0.0.1:4000'), 'https://agent.example');
 * publish(upstreamCard).card; // with the AIP extension and the aip security scheme
 * ```
 */
export function cardPublisher(config: ProxyConfig, upstreamOrigin: URL, publicBase: string): CardPublisher {
  const identity = identityOf(config);
  if (identity === undefined) return (card) => ({ card: card as Record<string, unknown>, changed: false });
  return (card) => publishAipIdentity(card, { identity, rewrite: { from: upstreamOrigin.origin, to: publicBase } });
}

// What a configuration publishes, worked out once per configuration (decoding keys checks points).
const identities = new WeakMap<ProxyConfig, AipAgentIdentity>();

function identityOf(config: ProxyConfig): AipAgentIdentity | undefined {
  if (config.a2a === undefined) return undefined;
  let identity = identities.get(config);
  if (identity === undefined) {
    identity = {
      did: config.a2a.agent_did,
      proofRequired: config.pop.required,
      trustedIssuers: [...config.proxy.trust_keys.map((key) => didKeyFromId(key)), ...config.proxy.trust_did_web],
    };
    identities.set(config, identity);
  }
  return identity;
}

/** Serves the agent card, and publishes the cards the agent answers with. */
export interface AgentCards {
  /** Answers a request for one of `[a2a] card_paths`. */
  serve(ctx: RequestContext): Promise<StageResult>;
  /** A card the agent sent (the extended card answered to `GetExtendedAgentCard`), as the proxy publishes it. */
  publish: CardPublisher;
}

/**
 * The agent card route of one proxy.
 *
 * @example
 * ```ts
 * const cards = createAgentCards({ ...services, pool, upstreamOrigin, extraHeaders: {}, publicBase });
 * if (config.a2a?.card_paths.includes(ctx.target.path)) return cards.serve(ctx);
 * ```
 */
export function createAgentCards(deps: {
  clock: Clock;
  config: () => ProxyConfig;
  limiter: RateLimiter;
  respond: Responder;
  pool: Pool;
  upstreamOrigin: URL;
  extraHeaders: Record<string, string>;
  publicBase: () => string;
}): AgentCards {
  const publish: CardPublisher = (card) => cardPublisher(deps.config(), deps.upstreamOrigin, deps.publicBase())(card);
  return {
    publish,
    async serve(ctx) {
      const { req, res, target } = ctx;
      if (target === undefined) return refusal('aip_internal', 'a card request before its target was read');
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return refusal('aip_method_not_allowed', 'the agent card is read-only');
      const now = deps.clock.nowMs();
      if (!deps.limiter.admitsAnonymous(ctx.peer, now))
        return refusal('aip_rate_limited', 'too many requests without a valid credential from this address', {
          'retry-after': '10',
        });
      deps.limiter.chargeAnonymous(ctx.peer, now);
      const version = req.headers['a2a-version'];
      if (Array.isArray(version)) return refusal('aip_request_invalid', 'A2A-Version appears twice');
      const config = deps.config();
      let response: Dispatcher.ResponseData;
      let body: Buffer;
      try {
        response = await deps.pool.request({
          method: 'GET',
          path: formatTarget(target.path, target.query),
          headers: {
            accept: 'application/json',
            'accept-encoding': 'identity',
            ...(version === undefined ? {} : { 'a2a-version': version }),
            ...deps.extraHeaders,
          },
          headersTimeout: config.proxy.upstream_timeout_seconds * 1000,
          bodyTimeout: config.proxy.upstream_timeout_seconds * 1000,
        });
        body = await readAll(response.body, MAX_CARD);
      } catch {
        deps.respond.error(ctx, 502, 'aip_upstream_unavailable', 'the agent card could not be fetched from the agent');
        return ANSWERED;
      }
      const headers: Record<string, string | string[]> = {};
      for (const name of KEPT_HEADERS) {
        const value = response.headers[name];
        if (value !== undefined) headers[name] = value;
      }
      let out = body;
      if (response.statusCode === 200) {
        let card: unknown;
        try {
          card = JSON.parse(body.toString('utf8'));
        } catch {
          deps.respond.error(ctx, 502, 'aip_upstream_unavailable', 'the agent card is not JSON');
          return ANSWERED;
        }
        if (typeof card !== 'object' || card === null || Array.isArray(card)) {
          deps.respond.error(ctx, 502, 'aip_upstream_unavailable', 'the agent card is not a JSON object');
          return ANSWERED;
        }
        const published = publish(card);
        // A card that already says everything goes out as the agent wrote it (signatures intact).
        if (published.changed) out = Buffer.from(JSON.stringify(published.card));
      }
      res.writeHead(response.statusCode, { ...headers, 'content-length': out.length, 'x-aip-request-id': ctx.id });
      res.end(req.method === 'HEAD' ? undefined : out);
      return ANSWERED;
    },
  };
}
