// Shared fixtures: a registry on a temporary SQLite file with a frozen clock, identities and
// signed objects made with the real packages.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateIdentity, type Identity } from '@aip/identity';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp, type RegistryOptions } from '../src/index.js';

/** The frozen "now" of the tests (Unix seconds). */
export const NOW = 1_790_000_000;

export interface TestRegistry {
  app: FastifyInstance;
  db: string;
  dir: string;
  close(): Promise<void>;
}

/** A registry over a fresh SQLite file in a temporary directory. */
export function testRegistry(options: RegistryOptions = {}): TestRegistry {
  const dir = mkdtempSync(path.join(tmpdir(), 'aip-registry-'));
  const db = path.join(dir, 'registry.db');
  const app = buildApp({ db, now: () => NOW, ...options });
  return {
    app,
    db,
    dir,
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function identities<const N extends string>(...names: N[]): Record<N, Identity> {
  return Object.fromEntries(names.map((name) => [name, generateIdentity()])) as Record<N, Identity>;
}

export function post(app: FastifyInstance, url: string, payload: unknown): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url, payload: payload as object });
}

export function get(app: FastifyInstance, url: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'GET', url });
}

/** The error code of a JSON error response. */
export function codeOf(response: LightMyRequestResponse): string {
  return (response.json() as { error: { code: string } }).error.code;
}
