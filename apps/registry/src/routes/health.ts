// `GET /healthz`: the process is up and its database answers.
import type { FastifyInstance } from 'fastify';
import type { RoutesOptions } from '../context.js';

/**
 * Health route (exempt from rate limits, so monitors never trip them).
 *
 * @example
 * ```ts
 * app.register(healthRoutes, { ctx });
 * ```
 */
export async function healthRoutes(app: FastifyInstance, { ctx }: RoutesOptions): Promise<void> {
  app.get(
    '/healthz',
    {
      config: { rateLimit: false },
      schema: {
        summary: 'liveness and readiness',
        tags: ['registry'],
        response: {
          200: {
            description: 'the registry serves; `feed` is the position of the newest object',
            type: 'object',
            properties: { status: { type: 'string', enum: ['ok'] }, feed: { type: 'integer' } },
          },
        },
      },
    },
    async () => ({ status: 'ok', feed: await ctx.log.latestSeq() }),
  );
}
