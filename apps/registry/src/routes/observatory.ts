// The Trust Observatory: a static page and its scripts, served from the package's `public/`
// directory with a strict Content-Security-Policy (same-origin scripts and data only, no inline code).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Reads the assets once: they ship with the package and never change while it runs. */
function loadAssets(): Map<string, { body: Buffer; type: string }> {
  const assets = new Map<string, { body: Buffer; type: string }>();
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file, `${prefix}${entry.name}/`);
      else {
        const type = TYPES[path.extname(entry.name)];
        if (type !== undefined) assets.set(`${prefix}${entry.name}`, { body: readFileSync(file), type });
      }
    }
  };
  walk(PUBLIC_DIR, '');
  return assets;
}

/**
 * `GET /` (the observatory) and `GET /assets/*` (its scripts and styles).
 *
 * @example
 * ```ts
 * app.register(observatoryRoutes);
 * ```
 */
export async function observatoryRoutes(app: FastifyInstance): Promise<void> {
  const assets = loadAssets();
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-security-policy', CSP);
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    return payload;
  });
  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    const page = assets.get('index.html');
    if (page === undefined) throw new Error('observatory page missing from the package');
    return reply.type(page.type).header('cache-control', 'no-cache').send(page.body);
  });
  app.get<{ Params: { '*': string } }>('/assets/*', { schema: { hide: true } }, async (request, reply) => {
    const asset = assets.get(`assets/${request.params['*']}`);
    if (asset === undefined) return reply.callNotFound();
    return reply.type(asset.type).header('cache-control', 'no-cache').send(asset.body);
  });
}
