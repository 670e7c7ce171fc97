// Network-wide views for the observatory: totals and growth, and a subgraph to draw.
import { assertScope } from '@aip/trust';
import type { FastifyInstance } from 'fastify';
import type { RoutesOptions } from '../context.js';
import { didParam } from '../lib/did-param.js';
import { DID } from './schemas.js';

const COUNT = { type: 'integer' } as const;

/**
 * `GET /v1/stats`, `GET /v1/graph`.
 *
 * @example
 * ```ts
 * app.register(networkRoutes, { ctx });
 * ```
 */
export async function networkRoutes(app: FastifyInstance, { ctx }: RoutesOptions): Promise<void> {
  app.get<{ Querystring: { days: number } }>(
    '/v1/stats',
    {
      schema: {
        summary: 'totals, the busiest scopes and daily growth (by signed issue time)',
        tags: ['observatory'],
        querystring: {
          type: 'object',
          properties: { days: { type: 'integer', minimum: 1, maximum: 366, default: 30 } },
        },
        response: {
          200: {
            description: 'network figures',
            type: 'object',
            properties: {
              agents: COUNT,
              profiles: COUNT,
              vouches: COUNT,
              active_vouches: COUNT,
              revocations: COUNT,
              computed_at: COUNT,
              scopes: {
                type: 'array',
                description: 'the busiest scopes by vouches active now',
                items: { type: 'object', properties: { scope: { type: 'string' }, vouches: COUNT } },
              },
              refused_scopes: {
                type: 'array',
                description:
                  'scopes of stored vouches the scope grammar refuses (stored under an earlier one): kept and served as signed, never counted',
                items: {
                  type: 'object',
                  properties: { scope: { type: 'string' }, vouches: COUNT, code: { type: 'string' } },
                },
              },
              growth: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    day: { type: 'string' },
                    vouches: COUNT,
                    profiles: COUNT,
                    revocations: COUNT,
                    total_vouches: COUNT,
                  },
                },
              },
            },
          },
        },
      },
    },
    async (request) => ctx.network.stats({ now: ctx.now(), days: request.query.days }),
  );

  app.get<{ Querystring: { scope?: string; limit: number; center?: string } }>(
    '/v1/graph',
    {
      schema: {
        summary: 'a drawable subgraph: the best-vouched agents, or one agent and its neighbours',
        tags: ['observatory'],
        querystring: {
          type: 'object',
          properties: {
            scope: { type: 'string', minLength: 1, maxLength: 256, description: 'only vouches applying to it' },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 150 },
            center: { ...DID, description: 'draw this agent and its strongest neighbours' },
          },
        },
        response: {
          200: {
            description: 'nodes and the active vouches among them',
            type: 'object',
            properties: {
              scope: { type: ['string', 'null'] },
              truncated: { type: 'boolean' },
              nodes: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    did: { type: 'string' },
                    name: { type: ['string', 'null'] },
                    vouches_in: COUNT,
                    vouches_out: COUNT,
                  },
                },
              },
              edges: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: { type: 'string' },
                    from: { type: 'string' },
                    to: { type: 'string' },
                    scope: { type: 'string' },
                    weight: { type: 'number' },
                  },
                },
              },
            },
          },
        },
      },
    },
    async (request) => {
      const { scope, limit, center } = request.query;
      if (scope !== undefined) assertScope(scope);
      return ctx.network.graph({
        now: ctx.now(),
        limit,
        ...(scope === undefined ? {} : { scope }),
        ...(center === undefined ? {} : { center: didParam('center', center) }),
      });
    },
  );
}
