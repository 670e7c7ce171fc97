// `aip-proxy`: load and validate the configuration, start the proxy, print what it is doing,
// and shut down cleanly on SIGINT/SIGTERM.
import type { AddressInfo } from 'node:net';
import { AipError } from '@aip/identity';
import { createProxy, loadProxyConfig, type ProxyConfig, type ProxyFlags } from '@aip/proxy';
import { Command, CommanderError } from 'commander';
import { integerOption, repeatOption } from './arguments.js';
import { EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { VERSION } from './program.js';

function shortKey(id: string): string {
  const key = id.replace(/^did:key:/, '').replace(/^aip:key:ed25519:/, '');
  return key.length > 16 ? `${key.slice(0, 10)}…${key.slice(-4)}` : key;
}

function describe(config: ProxyConfig, listening: string, audience: string): string {
  const { audit } = config;
  const enforce =
    audit.enforce === true
      ? 'enforcing all'
      : audit.enforce === false
        ? 'warnings only'
        : `enforcing ${audit.enforce.join(', ')}`;
  return [
    `aip-proxy listening on ${listening}`,
    `  upstream:     ${config.stdio === undefined ? config.upstream.origin : `stdio: ${config.stdio.command.join(' ')} (one process per session)`}`,
    `  trusted keys: ${config.trustKeys.map(shortKey).join(', ')}`,
    `  audience:     ${audience}`,
    `  audit:        max ttl ${audit.maxTtlSeconds}s, max budget $${audit.maxBudgetUsd}, max depth ${audit.maxChainDepth} (${enforce})`,
    `  audit log:    ${config.logFile ?? 'stdout'}`,
    ...(config.pop.required ? ['  proofs:       required (X-AIP-Proof)'] : []),
    ...(config.oauth === undefined
      ? []
      : [`  oauth:        ${config.oauth.issuer} (audience ${config.oauth.audience})`]),
  ].join('\n');
}

interface Flags {
  config?: string;
  upstream?: string;
  port?: number;
  host?: string;
  trustKey: string[];
  audience?: string;
  publicUrl?: string;
  logFile?: string;
  metricsPort?: number;
  requireProof?: boolean;
  stdio?: boolean;
}

/**
 * Runs `aip-proxy` with `argv` (without node and script paths); resolves when the proxy has shut
 * down (or failed to start) with the exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await runProxyCli(['--upstream', 'http://localhost:3000', '--trust-key', 'z6Mk...']);
 * ```
 */
export async function runProxyCli(argv: string[]): Promise<number> {
  const program = new Command('aip-proxy')
    .description('put an MCP server behind AIP verification, per-tool authorization and an audit trail')
    .version(VERSION)
    .option('--config <file>', 'TOML configuration ([proxy], [audit], [logging])')
    .option('--upstream <url>', 'the MCP server origin (default http://localhost:3000)')
    .option('--port <n>', 'port to listen on (default 8080; 0 picks one)', integerOption('--port', 0, 65535))
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .option('--trust-key <key>', 'trusted issuer key (z..., did:key or aip:key); repeatable', repeatOption, [])
    .option('--audience <id>', 'this resource identifier (tokens with aud must name it)')
    .option('--public-url <url>', 'the URL clients use to reach the proxy')
    .option('--log-file <file>', 'audit log file (default stdout)')
    .option(
      '--metrics-port <n>',
      'serve Prometheus metrics and /healthz on this loopback port',
      integerOption('--metrics-port', 0, 65535),
    )
    .option('--require-proof', 'demand an X-AIP-Proof on every request')
    .option('--stdio', 'serve the stdio MCP server whose command follows "--" (aip-proxy --stdio -- node server.js)')
    .argument('[command...]', 'with --stdio: the server command and its arguments')
    .exitOverride();
  let flags: Flags;
  let command: string[];
  try {
    program.parse(argv, { from: 'user' });
    flags = program.opts<Flags>();
    command = program.args;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    process.stderr.write(`aip-proxy: ${(err as Error).message}\n`);
    return EXIT_USAGE;
  }
  if (flags.stdio === true && command.length === 0) {
    process.stderr.write(
      'aip-proxy: --stdio needs the server command after "--" (aip-proxy --stdio -- node server.js)\n',
    );
    return EXIT_USAGE;
  }
  if (flags.stdio !== true && command.length > 0) {
    process.stderr.write(
      `aip-proxy: unexpected argument ${command[0]} (did you mean --stdio -- ${command.join(' ')}?)\n`,
    );
    return EXIT_USAGE;
  }
  const proxyFlags: ProxyFlags = { trustKeys: flags.trustKey };
  for (const key of [
    'config',
    'upstream',
    'port',
    'host',
    'audience',
    'publicUrl',
    'logFile',
    'metricsPort',
  ] as const) {
    if (flags[key] !== undefined) (proxyFlags as Record<string, unknown>)[key] = flags[key];
  }
  if (flags.requireProof === true) proxyFlags.popRequired = true;
  if (flags.stdio === true) proxyFlags.stdio = command;
  let config: ProxyConfig;
  try {
    config = await loadProxyConfig(proxyFlags);
  } catch (err) {
    if (!(err instanceof AipError)) throw err;
    process.stderr.write(`aip-proxy: invalid configuration: ${err.message}\n`);
    return EXIT_USAGE;
  }
  const proxy = await createProxy({ config });
  const started = await new Promise<Error | undefined>((resolve) => {
    proxy.server.once('error', resolve);
    proxy.server.listen(config.port, config.host, () => resolve(undefined));
  });
  if (started !== undefined) {
    process.stderr.write(
      `aip-proxy: cannot listen on ${config.host}:${config.port} (${(started as NodeJS.ErrnoException).code ?? started.message})\n`,
    );
    await proxy.close();
    return EXIT_USAGE;
  }
  if (proxy.metricsServer !== undefined && config.metrics !== undefined) {
    const metrics = config.metrics;
    await new Promise<void>((resolve) => proxy.metricsServer?.listen(metrics.port, metrics.host, resolve));
    const m = proxy.metricsServer.address() as AddressInfo;
    process.stderr.write(`aip-proxy metrics on http://${m.address}:${m.port}/metrics\n`);
  }
  const address = proxy.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  process.stderr.write(`${describe(config, `http://${host}:${address.port}`, proxy.audience())}\n`);
  // SIGHUP: re-read the configuration and apply what can change without a restart.
  const reload = () => {
    loadProxyConfig(proxyFlags).then(
      (next) => {
        const fixed = proxy.reload(next);
        process.stderr.write(
          `aip-proxy: configuration reloaded${fixed.length === 0 ? '' : ` (restart to apply ${fixed.join(', ')})`}\n`,
        );
      },
      (err: Error) =>
        process.stderr.write(`aip-proxy: reload refused, keeping the running configuration: ${err.message}\n`),
    );
  };
  process.on('SIGHUP', reload);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.off('SIGHUP', reload);
  process.stderr.write('aip-proxy: shutting down\n');
  await proxy.close();
  return EXIT_OK;
}
