// Every failure becomes `{"error":{"code","message"}}` with the status from the one table; internal
// exception text and stack traces go to the server log only, never to the client.
import { AipError } from '@aip/identity';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RegistryError, type RegistryErrorCode } from './errors.js';
import { httpStatusOf } from './http-status.js';

/** The error body every route answers with. */
export interface ErrorBody {
  error: { code: string; message: string };
}

/** The JSON schema of {@link ErrorBody}, for the OpenAPI document. */
export const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
} as const;

// Fastify's own failures (body parsing, validation) and what they mean here.
const FASTIFY_CODES: Record<string, [RegistryErrorCode, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['aip_request_too_large', 'the body is larger than the registry accepts'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['aip_unsupported_media_type', 'send the body as application/json'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['aip_request_invalid', 'the body is empty'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['aip_request_invalid', 'the content length does not match the body'],
};

function describe(err: FastifyError): { code: string; message: string; status: number } {
  if (err instanceof AipError) return { code: err.code, message: err.message, status: httpStatusOf(err.code) };
  const known = err.code === undefined ? undefined : FASTIFY_CODES[err.code];
  if (known !== undefined) return { code: known[0], message: known[1], status: httpStatusOf(known[0]) };
  if (err.validation !== undefined) {
    // Ajv's message names the parameter and the rule broken; nothing internal.
    return {
      code: 'aip_request_invalid',
      message: `${err.validationContext ?? 'request'}${err.message.replace(/^\w+/, '')}`,
      status: 400,
    };
  }
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const message = err instanceof SyntaxError ? 'the body is not valid JSON' : 'the request is not valid';
    return { code: 'aip_request_invalid', message, status: 400 };
  }
  return { code: 'aip_internal', message: 'internal error', status: 500 };
}

/**
 * Installs the error and not-found handlers on the root instance.
 *
 * @example
 * ```ts
 * installErrorHandling(app);
 * ```
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const { code, message, status } = describe(err);
    if (status >= 500) request.log.error({ err }, 'request failed');
    if (err instanceof RegistryError && err.retryAfter !== undefined) reply.header('retry-after', err.retryAfter);
    const body: ErrorBody = { error: { code, message } };
    return reply.status(status).type('application/json; charset=utf-8').send(body);
  });
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const body: ErrorBody = {
      error: {
        code: 'aip_not_found',
        message: `no route ${request.method} ${request.url.split('?')[0]?.slice(0, 200)}`,
      },
    };
    return reply.status(404).send(body);
  });
}
