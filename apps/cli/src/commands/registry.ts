// `aip registry serve [--port N] [--db FILE | --postgres URL]`: run a registry and its Trust
// Observatory (DESIGN §6) on an embedded SQLite database, or as one of any number of replicas on a
// shared PostgreSQL database (DESIGN §9), on 127.0.0.1 unless told otherwise, until SIGINT/SIGTERM.
import path from 'node:path';
import type { RunningRegistry } from '@aip/registry';
import { Command } from 'commander';
import { action } from '../action.js';
import { integerOption, repeatOption } from '../arguments.js';
import { CliError } from '../cli-error.js';
import { EXIT_OK } from '../exit-codes.js';
import { type OutputOptions, printResult } from '../output.js';

/** The registry database in `$AIP_HOME` when `--db` is not given. */
export const REGISTRY_DB_FILE = 'registry.db';
/** The environment variable `--postgres` falls back to (keeps the URL's password out of `ps`). */
export const POSTGRES_URL_ENV = 'AIP_REGISTRY_POSTGRES_URL';
/** The environment variable `--redis` falls back to. */
export const REDIS_URL_ENV = 'AIP_REGISTRY_REDIS_URL';

// The registry's defaults, repeated here so that `--help` does not load the registry (a test keeps
// them equal to @aip/registry's DEFAULT_PORT, DEFAULT_IP_LIMIT and DEFAULT_IDENTITY_LIMIT).
export const SERVE_DEFAULTS = { port: 8470, ipLimit: 1200, identityLimit: 120 } as const;

interface ServeOptions {
  port: number;
  host: string;
  db?: string;
  postgres?: string;
  redis?: string;
  ipLimit: number;
  identityLimit: number;
  requireChallenge?: boolean;
  seed: string[];
  queryThreads?: number;
  log?: boolean;
}

export function registerRegistry(program: Command): void {
  const registry = new Command('registry').description('run an AIP registry and its Trust Observatory');
  registry
    .command('serve')
    .description('serve the registry API, its OpenAPI description and the observatory page until interrupted')
    .option('--port <n>', `port to listen on (0 picks one)`, integerOption('--port', 0, 65535), SERVE_DEFAULTS.port)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--db <file>', `SQLite database (default $AIP_HOME/${REGISTRY_DB_FILE})`)
    .option(
      '--postgres <url>',
      `serve as one replica of a registry on this PostgreSQL database (default $${POSTGRES_URL_ENV}, if set)`,
    )
    .option(
      '--redis <url>',
      `keep challenges and the address and identity limits in this Redis, shared by replicas (default $${REDIS_URL_ENV}, if set)`,
    )
    .option(
      '--ip-limit <n>',
      'requests a minute per client address (0: no limit)',
      integerOption('--ip-limit', 0),
      SERVE_DEFAULTS.ipLimit,
    )
    .option(
      '--identity-limit <n>',
      'objects a minute per signing identity (0: no limit)',
      integerOption('--identity-limit', 0),
      SERVE_DEFAULTS.identityLimit,
    )
    .option('--require-challenge', 'accept profiles only with a challenge-response registration')
    .option('--seed <did>', 'pre-trusted agent of the global ranking; repeatable', repeatOption, [])
    .option(
      '--query-threads <n>',
      'worker threads answering trust scores and paths (0: the main thread; default one per core)',
      integerOption('--query-threads', 0, 64),
    )
    .option('--log', 'log every request as a JSON line on stdout')
    .action(action(serve));
  program.addCommand(registry);
}

async function serve(options: ServeOptions & OutputOptions): Promise<number> {
  const postgres = options.postgres ?? (process.env[POSTGRES_URL_ENV] || undefined);
  const redis = options.redis ?? (process.env[REDIS_URL_ENV] || undefined);
  if (postgres !== undefined && options.db !== undefined) {
    throw new CliError('aip_usage', '--db and --postgres name two different stores: give one');
  }
  const [
    { AipError, didKeyFromId },
    { defaultAipHome },
    { OPENAPI_PATH, openRegistryStore, redactUrl, startRegistry },
  ] = await Promise.all([import('@aip/identity'), import('@aip/identity/node'), import('@aip/registry')]);
  const rankingSeeds = options.seed.map((seed) => didKeyFromId(seed));
  const db =
    postgres === undefined ? path.resolve(options.db ?? path.join(defaultAipHome(), REGISTRY_DB_FILE)) : undefined;
  const store = db === undefined ? undefined : openRegistryStore({ path: db });
  // Vouches an earlier version stored in a scope the grammar now refuses: kept, never counted, said.
  // (A shared database only ever holds objects verified under the current grammar.)
  const refusedScopes = store?.trust.refusedScopes() ?? [];
  const database = db ?? `${redactUrl(postgres as string)} (replica)`;
  let running: RunningRegistry;
  try {
    running = await startRegistry({
      ...(store === undefined ? { postgres: postgres as string } : { store }),
      ...(redis === undefined ? {} : { redis }),
      port: options.port,
      host: options.host,
      ipLimit: options.ipLimit,
      identityLimit: options.identityLimit,
      requireChallenge: options.requireChallenge === true,
      rankingSeeds,
      ...(options.queryThreads === undefined ? {} : { queryThreads: options.queryThreads }),
      logger: options.log === true,
    });
  } catch (err) {
    store?.close();
    if (err instanceof AipError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError('aip_usage', `cannot listen on ${options.host}:${options.port} (${code ?? 'failed'})`);
  }
  const shared = redis === undefined ? undefined : redactUrl(redis);
  printResult(
    options,
    {
      url: running.url,
      db: database,
      ...(shared === undefined ? {} : { redis: shared }),
      openapi: `${running.url}${OPENAPI_PATH}`,
      refusedScopes,
    },
    () =>
      [
        `aip registry listening on ${running.url}`,
        `  database:    ${database}`,
        ...(shared === undefined ? [] : [`  shared:      ${shared} (challenges, limits)`]),
        `  observatory: ${running.url}/`,
        `  api:         ${running.url}/v1 (described at ${running.url}${OPENAPI_PATH})`,
        `  limits:      ${options.ipLimit || 'no'} requests/min per address, ${options.identityLimit || 'no'} objects/min per identity`,
        `  profiles:    ${options.requireChallenge === true ? 'challenge-response required' : 'signed profile or challenge-response'}`,
        ...refusedScopes.map(
          (r) => `  warning:     ${r.vouches} stored vouch(es) in scope ${r.scope}, never counted (${r.code})`,
        ),
      ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  if (!options.json) process.stderr.write('aip registry: shutting down\n');
  await running.close();
  store?.close();
  return EXIT_OK;
}
