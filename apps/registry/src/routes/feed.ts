// `GET /v1/feed`: every stored signed object in arrival order, a page at a time, with the cursor of
// the next page. The objects are sent as stored, never re-serialized: clients verify each one.
import type { FastifyInstance } from 'fastify';
import type { RoutesOptions } from '../context.js';
import { formatCursor, parseCursor } from '../feed-cursor.js';

/** Objects per page by default, and at most. */
export const FEED_PAGE = 1000;
export const FEED_PAGE_MAX = 10_000;

/**
 * The feed route.
 *
 * @example
 * ```ts
 * app.register(feedRoutes, { ctx });
 * ```
 */
export async function feedRoutes(app: FastifyInstance, { ctx }: RoutesOptions): Promise<void> {
  app.get<{ Querystring: { since: string; limit: number } }>(
    '/v1/feed',
    {
      schema: {
        summary: 'all signed objects (profiles, vouches, revocations) in arrival order',
        description:
          'Pass the `next` of a page as `since` to get the following one; `more` is false at the end. A cursor from another database answers 410 aip_cursor_stale: start again without `since` (objects already held are duplicates, harmless). Replaced profiles leave the feed; their successors enter at the end.',
        tags: ['feed'],
        querystring: {
          type: 'object',
          properties: {
            since: {
              type: 'string',
              maxLength: 40,
              default: '',
              description: 'a cursor (`next` of the previous page)',
            },
            limit: { type: 'integer', minimum: 1, maximum: FEED_PAGE_MAX, default: FEED_PAGE },
          },
        },
        response: {
          200: {
            description: 'a page of signed objects',
            type: 'object',
            properties: {
              objects: { type: 'array', items: { type: 'object', additionalProperties: true } },
              next: { type: 'string' },
              more: { type: 'boolean' },
              remaining: { type: 'integer', description: 'objects after this page (an upper bound)' },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const epoch = ctx.log.feedEpoch;
      const since = parseCursor(request.query.since, epoch);
      const rows = await ctx.log.feed(since, request.query.limit);
      const last = rows.length === 0 ? since : (rows[rows.length - 1] as { seq: number }).seq;
      const remaining = Math.max(0, (await ctx.log.latestSeq()) - last);
      // The stored canonical texts go out verbatim: no parse, no re-serialization.
      const objects = rows.map((row) => row.object).join(',');
      const next = JSON.stringify(formatCursor(epoch, last));
      return reply
        .type('application/json; charset=utf-8')
        .send(`{"objects":[${objects}],"next":${next},"more":${remaining > 0},"remaining":${remaining}}`);
    },
  );
}
