// Publishing vouches and revocations: each is checked structurally, charged to its signer's
// allowance only once it verifies, and handed to the registry log, whose answer (stored, already
// there, or refused) decides the response: ownership and duplicates are the log's to judge.
import { parseRevocation, parseVouch, TrustError, verifyRevocation, verifyVouch } from '@aip/trust';
import type { FastifyInstance } from 'fastify';
import type { RoutesOptions } from '../context.js';
import { RegistryError } from '../errors.js';
import { ACCEPTED, SIGNED_OBJECT } from './schemas.js';

/**
 * `POST /v1/vouches`, `POST /v1/revocations`.
 *
 * @example
 * ```ts
 * app.register(objectRoutes, { ctx });
 * ```
 */
export async function objectRoutes(app: FastifyInstance, { ctx }: RoutesOptions): Promise<void> {
  app.post<{ Body: unknown }>(
    '/v1/vouches',
    {
      schema: {
        summary: 'publish a signed vouch (aip-vouch/1)',
        description:
          'Refused with a code when it is malformed, forged or tampered with (aip_signature_invalid), expired, issued in the future, already stored, or revoked (re-sending a revoked vouch never restores it).',
        tags: ['objects'],
        body: SIGNED_OBJECT,
        response: { 201: { description: 'stored and in the feed', ...ACCEPTED } },
      },
    },
    async (request, reply) => {
      const { voucher } = parseVouch(request.body);
      const nowMs = ctx.now() * 1000;
      await ctx.identityLimit?.check(voucher, nowMs);
      const verified = verifyVouch(request.body, { now: ctx.now() });
      await ctx.identityLimit?.take(voucher, nowMs);
      const outcome = await ctx.log.publishVouch(verified, ctx.now());
      // Already stored; a revoked one stays revoked whatever is sent again.
      if (outcome.status === 'revoked') {
        throw new RegistryError('aip_vouch_revoked', 'this vouch was revoked; re-sending it does not restore it');
      }
      if (outcome.status === 'duplicate')
        throw new RegistryError('aip_object_duplicate', 'this vouch is already stored');
      return reply.status(201).send({ id: verified.id, status: 'accepted' });
    },
  );

  app.post<{ Body: unknown }>(
    '/v1/revocations',
    {
      schema: {
        summary: 'publish a signed revocation (aip-revocation/1) of a stored vouch',
        description:
          'Only the voucher of a vouch can revoke it (aip_revocation_unauthorized otherwise); the vouch must be stored here (aip_vouch_unknown).',
        tags: ['objects'],
        body: SIGNED_OBJECT,
        response: {
          201: {
            description: 'stored and in the feed; the vouch no longer counts',
            type: 'object',
            properties: { ...ACCEPTED.properties, vouch: { type: 'string' } },
          },
        },
      },
    },
    async (request, reply) => {
      const { voucher } = parseRevocation(request.body);
      const nowMs = ctx.now() * 1000;
      await ctx.identityLimit?.check(voucher, nowMs);
      const verified = verifyRevocation(request.body, { now: ctx.now() });
      // The registry's own rules: a revocation names a vouch stored here (refused uncharged
      // otherwise), only its voucher may revoke it, and a revoked vouch takes no second one.
      const outcome = await ctx.log.publishRevocation(verified, ctx.now());
      if (outcome.status === 'vouch_unknown') {
        throw new TrustError('aip_vouch_unknown', 'no vouch with this id is stored here');
      }
      await ctx.identityLimit?.take(voucher, nowMs);
      if (outcome.status === 'vouch_revoked')
        throw new RegistryError('aip_vouch_revoked', 'this vouch is already revoked');
      if (outcome.status === 'unauthorized') {
        throw new TrustError('aip_revocation_unauthorized', 'only the voucher of a vouch can revoke it');
      }
      if (outcome.status === 'duplicate') {
        throw new RegistryError('aip_object_duplicate', 'this revocation is already stored');
      }
      return reply.status(201).send({ id: verified.id, vouch: outcome.vouch, status: 'accepted' });
    },
  );
}
