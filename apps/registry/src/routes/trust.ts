// Trust queries from any root, answered by the in-memory engine (same JSON as `aip trust score` /
// `aip trust path`), and the global ranking per scope (display only).
import { assertScope, type TrustPathResult, type TrustResult } from '@aip/trust';
import type { FastifyInstance } from 'fastify';
import type { RoutesOptions } from '../context.js';
import { didParam } from '../lib/did-param.js';
import { ResultCache } from '../result-cache.js';
import { DID, TRUST_RESULT_PROPERTIES } from './schemas.js';

interface TrustQuery {
  from: string;
  to: string;
  scope: string;
  at?: number;
}

const QUERY = {
  type: 'object',
  required: ['from', 'to'],
  properties: {
    from: { ...DID, description: 'the root: whose point of view' },
    to: { ...DID, description: 'the agent evaluated' },
    scope: { type: 'string', minLength: 1, maxLength: 256, default: '*', description: 'what trust is needed for' },
    at: { type: 'integer', minimum: 0, description: 'evaluate at this Unix time instead of now' },
  },
} as const;

const SCORE = {
  type: 'object',
  required: ['score', 'corroboration', 'hops', 'path'],
  properties: TRUST_RESULT_PROPERTIES,
} as const;

const PATH = {
  type: 'object',
  required: [...SCORE.required, 'vouches'],
  properties: {
    ...TRUST_RESULT_PROPERTIES,
    vouches: {
      type: 'array',
      description: 'per hop, the strongest active vouch that carries it',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          voucher: { type: 'string' },
          subject: { type: 'string' },
          scope: { type: 'string' },
          weight: { type: 'number' },
        },
      },
    },
  },
} as const;

/**
 * `GET /v1/trust/score`, `GET /v1/trust/path`, `GET /v1/ranking`.
 *
 * @example
 * ```ts
 * app.register(trustRoutes, { ctx });
 * ```
 */
export async function trustRoutes(app: FastifyInstance, { ctx }: RoutesOptions): Promise<void> {
  const scores = new ResultCache<TrustResult>(ctx.store, ctx.cacheSize);
  const paths = new ResultCache<TrustPathResult>(ctx.store, ctx.cacheSize);
  const question = (query: TrustQuery) => {
    const from = didParam('from', query.from);
    const to = didParam('to', query.to);
    const now = query.at ?? ctx.now();
    return { to, options: { from, scope: query.scope, now }, key: `${from} ${to} ${query.scope} ${now}` };
  };

  app.get<{ Querystring: TrustQuery }>(
    '/v1/trust/score',
    {
      schema: {
        summary: 'path trust from any root: {score, corroboration, hops, path}',
        tags: ['trust'],
        querystring: QUERY,
        response: { 200: { description: 'as `aip trust score --json` prints it', ...SCORE } },
      },
    },
    async (request) => {
      const { to, options, key } = question(request.query);
      return scores.get(key, () => ctx.queries.score(to, options));
    },
  );

  app.get<{ Querystring: TrustQuery }>(
    '/v1/trust/path',
    {
      schema: {
        summary: 'the score and the evidence path with the vouch behind each hop',
        tags: ['trust'],
        querystring: QUERY,
        response: { 200: { description: 'as `aip trust path --json` prints it', ...PATH } },
      },
    },
    async (request) => {
      const { to, options, key } = question(request.query);
      return paths.get(key, () => ctx.queries.path(to, options));
    },
  );

  app.get<{ Querystring: { scope: string; top: number } }>(
    '/v1/ranking',
    {
      schema: {
        summary: 'global ranking in a scope (EigenTrust-style, seeded): for display, never for access',
        tags: ['trust'],
        querystring: {
          type: 'object',
          properties: {
            scope: { type: 'string', minLength: 1, maxLength: 256, default: '*' },
            top: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
          },
        },
        response: {
          200: {
            description: 'the top agents by stationary trust mass; `stale` while a newer ranking is computed',
            type: 'object',
            properties: {
              scope: { type: 'string' },
              seeds: { type: 'integer' },
              computed_at: { type: 'integer' },
              stale: { type: 'boolean' },
              ranking: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { did: { type: 'string' }, name: { type: ['string', 'null'] }, rank: { type: 'number' } },
                },
              },
            },
          },
        },
      },
    },
    async (request) => {
      assertScope(request.query.scope);
      const ranking = await ctx.ranking.get(request.query.scope, ctx.now());
      return {
        ...ranking,
        ranking: ranking.ranking.slice(0, request.query.top).map((entry) => ({
          ...entry,
          name: ctx.agents.profile(entry.did)?.name ?? null,
        })),
      };
    },
  );
}
