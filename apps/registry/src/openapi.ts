// The OpenAPI 3.1 description, assembled from the routes' own schemas (the ones fastify validates
// and serializes with), so the document cannot drift from what the server does.
import type { FastifyInstance, RouteOptions } from 'fastify';
import { ERROR_SCHEMA } from './error-handler.js';
import { errorCodeTable } from './http-status.js';

declare module 'fastify' {
  interface FastifySchema {
    /** One line: what the route does (OpenAPI `summary`). */
    summary?: string;
    description?: string;
    tags?: readonly string[];
    /** Leave the route out of the description (the observatory's static files). */
    hide?: boolean;
  }
}

/** Where the description is served. */
export const OPENAPI_PATH = '/openapi.json';

interface RouteSchema {
  summary?: string;
  description?: string;
  tags?: string[];
  hide?: boolean;
  params?: { properties?: Record<string, unknown>; required?: string[] };
  querystring?: { properties?: Record<string, unknown>; required?: string[] };
  body?: unknown;
  response?: Record<string, { description?: string } & Record<string, unknown>>;
}

/**
 * Starts collecting routes (call before registering them); `document()` builds the description.
 *
 * @example
 * ```ts
 * const openapi = collectOpenApi(app, '0.1.0');
 * app.get(OPENAPI_PATH, () => openapi.document());
 * ```
 */
export function collectOpenApi(app: FastifyInstance, version: string): { document(): object } {
  const routes: RouteOptions[] = [];
  app.addHook('onRoute', (route) => {
    const schema = route.schema as RouteSchema | undefined;
    if (schema !== undefined && schema.hide !== true) routes.push(route);
  });
  let built: object | undefined;
  return {
    document() {
      built ??= build(routes, version);
      return built;
    },
  };
}

function build(routes: RouteOptions[], version: string): object {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const schema = route.schema as RouteSchema;
    const path = route.url.replace(/:(\w+)/g, '{$1}');
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter((m) => m !== 'HEAD');
    const parameters = [...params(schema.params, 'path'), ...params(schema.querystring, 'query')];
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(schema.response ?? {})) {
      const { description, ...body } = response;
      responses[status] = {
        description: description ?? '',
        content: { 'application/json': { schema: body } },
      };
    }
    responses.default = {
      description: 'an error: `{"error":{"code","message"}}` (codes in components.x-error-codes)',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
    for (const method of methods) {
      paths[path] ??= {};
      paths[path][method.toLowerCase()] = {
        summary: schema.summary,
        ...(schema.description === undefined ? {} : { description: schema.description }),
        ...(schema.tags === undefined ? {} : { tags: schema.tags }),
        ...(parameters.length === 0 ? {} : { parameters }),
        ...(schema.body === undefined
          ? {}
          : { requestBody: { required: true, content: { 'application/json': { schema: schema.body } } } }),
        responses,
      };
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'AIP registry',
      version,
      description:
        'Publish and discover signed agent profiles, vouches and revocations. Every object is self-signed and re-verified; the registry can lose availability but never forge.',
    },
    paths,
    components: {
      schemas: { Error: ERROR_SCHEMA },
      'x-error-codes': Object.fromEntries(errorCodeTable()),
    },
  };
}

function params(
  schema: { properties?: Record<string, unknown>; required?: string[] } | undefined,
  where: 'path' | 'query',
): object[] {
  return Object.entries(schema?.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property as { description?: string };
    return {
      name,
      in: where,
      required: where === 'path' || (schema?.required ?? []).includes(name),
      ...(description === undefined ? {} : { description }),
      schema: rest,
    };
  });
}
