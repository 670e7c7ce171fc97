// `aip-proxy`: flags (derived from the configuration table), the TOML file and AIP_PROXY_*
// environment variables resolved into a configuration; the proxy started, its state printed;
// SIGHUP reloads, SIGINT/SIGTERM shut down. Anything that stops it from starting is one line on
// stderr and exit 2 — never a stack trace.
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { AipError } from '@aip/identity';
import { Command, CommanderError, Option } from 'commander';
import { type AipProxy, createProxy } from './app.js';
import { flagOptions, flagsLayer } from './config/flags.js';
import { type ConfigSources, loadProxyConfig } from './config/resolve.js';
import type { ProxyConfig } from './config/sections.js';
import { redactUrl } from './config/value-types.js';
import { createJsonLogger, type LogLevel, type ProxyLogger } from './logger.js';
import { replicaId } from './state/replica-id.js';

const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
const EXIT_OK = 0;
const EXIT_USAGE = 2;

/** Where the command writes (tests pass their own). */
export interface CliIo {
  env: Record<string, string | undefined>;
  /** Refusals to start: one plain line each. */
  stderr: (text: string) => void;
  /** The logger of a running proxy, at the configured level; JSON lines on stderr by default. */
  logger?: (level: LogLevel) => ProxyLogger;
}

function shortKey(id: string): string {
  const key = id.replace(/^did:key:/, '').replace(/^aip:key:ed25519:/, '');
  return key.length > 16 ? `${key.slice(0, 10)}…${key.slice(-4)}` : key;
}

// What the proxy says when it starts listening: where, in front of what, trusting whom, and plainly
// whether a stolen token is enough.
function startFields(config: ProxyConfig, url: string, audience: string): Record<string, unknown> {
  const { audit } = config;
  return {
    url,
    upstream:
      config.stdio === undefined
        ? config.proxy.upstream.origin
        : `stdio: ${config.stdio.command.join(' ')} (one process per session)`,
    trusted_keys: config.proxy.trust_keys.map(shortKey),
    ...(config.proxy.trust_did_web.length === 0 ? {} : { trusted_did_web: config.proxy.trust_did_web }),
    audience,
    audit: `max ttl ${audit.max_ttl_seconds}s, max budget $${audit.max_budget_usd}, max depth ${audit.max_depth} (${
      audit.enforce === true
        ? 'enforcing all'
        : audit.enforce === false
          ? 'warnings only'
          : `enforcing ${audit.enforce.join(', ')}`
    })`,
    audit_log:
      config.logging.sink === 'postgres'
        ? `PostgreSQL (aip_audit, replica ${replicaId(config.state)})`
        : (config.logging.log_file ?? 'stdout'),
    ...(config.state.redis_url === undefined && config.state.postgres_url === undefined
      ? {}
      : {
          shared_state: [
            ...(config.state.redis_url === undefined ? [] : [`Redis ${redactUrl(config.state.redis_url)}`]),
            ...(config.state.postgres_url === undefined ? [] : [`PostgreSQL ${redactUrl(config.state.postgres_url)}`]),
          ].join(', '),
        }),
    proofs: config.pop.required
      ? 'required (X-AIP-Proof)'
      : 'off: a stolen token alone is enough to call tools (--require-proof turns them on)',
    ...(config.oauth === undefined
      ? {}
      : {
          oauth: `${config.oauth.issuer}${config.oauth.audience === undefined ? '' : ` (also audience ${config.oauth.audience})`}`,
        }),
    ...(config.a2a === undefined
      ? {}
      : {
          a2a: `agent ${shortKey(config.a2a.agent_did)} at ${config.a2a.paths.join(', ')}, card at ${config.a2a.card_paths.join(', ')}`,
        }),
  };
}

function buildCommand(): Command {
  const program = new Command('aip-proxy')
    .description('put an MCP server behind AIP verification, per-tool authorization and an audit trail')
    .version(VERSION)
    .option('--config <file>', 'TOML configuration (see the README; flags and AIP_PROXY_* variables override it)')
    .argument('[command...]', 'with --stdio: the server command and its arguments, after "--"')
    .exitOverride()
    .configureOutput({ writeErr: () => undefined });
  for (const flag of flagOptions()) {
    if (flag.name === '--stdio') {
      program.addOption(new Option('--stdio', `${flag.doc} (aip-proxy --stdio -- node server.js)`));
      continue;
    }
    const option = new Option(`${flag.name}${flag.argument === undefined ? '' : ` ${flag.argument}`}`, flag.doc);
    if (flag.repeatable === true) option.argParser((value: string, previous: string[] = []) => [...previous, value]);
    program.addOption(option);
  }
  return program;
}

async function listen(server: AipProxy['server'], port: number, host: string): Promise<Error | undefined> {
  return new Promise((resolve) => {
    server.once('error', resolve);
    server.listen(port, host, () => resolve(undefined));
  });
}

/**
 * Runs `aip-proxy` with `argv` (without node and script paths); resolves with the exit code when
 * the proxy has shut down (or failed to start).
 *
 * @example
 * ```ts
 * process.exitCode = await runProxyCli(['--upstream', 'http://localhost:3000', '--trust-key', 'z6Mk...']);
 * ```
 */
export async function runProxyCli(
  argv: string[],
  io: CliIo = { env: process.env, stderr: (text) => process.stderr.write(text) },
): Promise<number> {
  const program = buildCommand();
  let values: Record<string, unknown>;
  let command: string[];
  try {
    program.parse(argv, { from: 'user' });
    values = program.opts();
    command = program.args;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return EXIT_OK;
      io.stderr(`aip-proxy: ${err.message.replace(/^error: /, '')}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
  if (values.stdio === true && command.length === 0) {
    io.stderr('aip-proxy: --stdio needs the server command after "--" (aip-proxy --stdio -- node server.js)\n');
    return EXIT_USAGE;
  }
  if (values.stdio !== true && command.length > 0) {
    io.stderr(`aip-proxy: unexpected argument ${command[0]} (did you mean --stdio -- ${command.join(' ')}?)\n`);
    return EXIT_USAGE;
  }
  const flags: Record<string, string | string[] | boolean | undefined> = {};
  for (const flag of flagOptions()) {
    const key = flag.name.slice(2).replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    flags[flag.name] =
      flag.name === '--stdio' ? (values.stdio === true ? command : undefined) : (values[key] as string);
  }
  const sources: ConfigSources = {
    ...(typeof values.config === 'string' ? { file: values.config } : {}),
    env: io.env,
    flags: flagsLayer(flags),
  };
  let config: ProxyConfig;
  let proxy: AipProxy;
  let logger: ProxyLogger;
  try {
    config = await loadProxyConfig(sources);
    logger = io.logger?.(config.logging.level) ?? createJsonLogger(config.logging.level);
    proxy = await createProxy({ config, logger });
  } catch (err) {
    if (!(err instanceof AipError)) throw err;
    io.stderr(`aip-proxy: invalid configuration: ${err.message}\n`);
    return EXIT_USAGE;
  }
  const failed = await listen(proxy.server, config.proxy.port, config.proxy.host);
  if (failed !== undefined) {
    io.stderr(
      `aip-proxy: cannot listen on ${config.proxy.host}:${config.proxy.port} (${(failed as NodeJS.ErrnoException).code ?? failed.message})\n`,
    );
    await proxy.close({ graceMs: 0 });
    return EXIT_USAGE;
  }
  if (proxy.metricsServer !== undefined && config.metrics !== undefined) {
    const { port, host } = config.metrics;
    const metricsFailed = await listen(proxy.metricsServer, port, host);
    if (metricsFailed !== undefined) {
      io.stderr(
        `aip-proxy: cannot serve metrics on ${host}:${port} (${(metricsFailed as NodeJS.ErrnoException).code})\n`,
      );
      await proxy.close({ graceMs: 0 });
      return EXIT_USAGE;
    }
    const m = proxy.metricsServer.address() as AddressInfo;
    logger.info('metrics', { url: `http://${m.address}:${m.port}/metrics` });
  }
  // SIGHUP: re-read everything and apply what can change without a restart; a bad file changes nothing.
  const reload = () => {
    loadProxyConfig(sources)
      .then((next) => proxy.reload(next))
      .catch((err: Error) =>
        logger.error(
          `reload refused, keeping the running configuration: ${err instanceof AipError ? err.message : 'internal error'}`,
        ),
      );
  };
  process.on('SIGHUP', reload);
  // Said once the signal handlers are in place: a SIGHUP right after it reloads.
  const address = proxy.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  logger.info('listening', {
    ...startFields(config, `http://${host}:${address.port}`, proxy.audience()),
    ...(proxy.auditKey === undefined ? {} : { audit_key: proxy.auditKey }),
  });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.off('SIGHUP', reload);
  logger.info('shutting down');
  await proxy.close();
  logger.info('stopped');
  logger.flush?.();
  return EXIT_OK;
}
