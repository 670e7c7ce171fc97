// Publishing vouches and revocations: each is checked structurally, charged to its signer's
// allowance only once it verifies, and handed to the trust store, whose answer (stored, already
// there, or refused) decides the response: ownership and duplicates are the store's to judge.
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
      ctx.identityLimit?.check(voucher, nowMs);
      const verified = verifyVouch(request.body, { now: ctx.now() });
      ctx.identityLimit?.take(voucher, nowMs);
      const outcome = ctx.store.trust.add({ kind: 'vouch', ...verified });
      if (outcome.status === 'duplicate') {
        // Already stored; a revoked one stays revoked whatever is sent again.
        if (ctx.store.trust.getVouch(verified.id)?.revoked === true) {
          throw new RegistryError('aip_vouch_revoked', 'this vouch was revoked; re-sending it does not restore it');
        }
        throw new RegistryError('aip_object_duplicate', 'this vouch is already stored');
      }
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
      ctx.identityLimit?.check(voucher, nowMs);
      const verified = verifyRevocation(request.body, { now: ctx.now() });
      // The registry's own rules: a revocation names a vouch stored here, and a revoked vouch takes
      // no second one. The voucher's right to revoke is the store's check (aip_revocation_unauthorized).
      const target = ctx.store.trust.getVouch(verified.revocation.vouch);
      if (target === undefined) throw new TrustError('aip_vouch_unknown', 'no vouch with this id is stored here');
      ctx.identityLimit?.take(voucher, nowMs);
      if (target.revoked && ctx.store.trust.getRevocation(verified.id) === undefined) {
        throw new RegistryError('aip_vouch_revoked', 'this vouch is already revoked');
      }
      const outcome = ctx.store.trust.add({ kind: 'revocation', ...verified });
      if (outcome.status === 'duplicate')
        throw new RegistryError('aip_object_duplicate', 'this revocation is already stored');
      return reply.status(201).send({ id: verified.id, vouch: target.id, status: 'accepted' });
    },
  );
}
