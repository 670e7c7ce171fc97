// `aip connect URL` (DESIGN §10): any MCP client reaches an AIP-protected server through a local
// bridge that signs every request with the local identity — over stdio (the client starts it), or
// over loopback HTTP (`--listen`). `--print-config CLIENT` prints the entry a client's
// configuration takes. The bridge itself lives in ../connect/.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Command, Option } from 'commander';
import { action } from '../action.js';
import { CliError } from '../cli-error.js';
import { CLIENTS, type ClientName } from '../connect/client-config.js';
import type { TokenOrigin } from '../connect/token-source.js';
import { EXIT_OK } from '../exit-codes.js';
import type { OutputOptions } from '../output.js';

interface ConnectOptions {
  tokenFile?: string;
  tokenEnv?: string;
  tokenCommand?: string;
  audience?: string;
  transport: 'auto' | 'streamable-http' | 'sse';
  listen?: string;
  secret?: boolean;
  secretFile?: string;
  printConfig?: ClientName;
  name: string;
  quiet?: boolean;
}

export function registerConnect(program: Command): void {
  program
    .command('connect')
    .description('bridge any MCP client to an AIP-protected MCP server, signing every request with the local identity')
    .usage('<url> (--token-file <file> | --token-env <name> | --token-command <command>) [options]')
    .argument('[url]', 'the MCP server, e.g. https://mcp.example.com/mcp')
    .option('--token-file <file>', 'the token (or chain) is in this file, read again when it is due')
    .option('--token-env <name>', 'the token is in this environment variable')
    .option('--token-command <command>', 'run this (through /bin/sh) for a token, and again before each expires')
    .option('--audience <id>', 'the resource proofs are bound to (default: the URL origin)')
    .addOption(
      new Option('--transport <kind>', 'how to reach the server')
        .choices(['auto', 'streamable-http', 'sse'])
        .default('auto'),
    )
    .option('--listen <host:port>', 'serve over loopback HTTP (Streamable HTTP) instead of stdio')
    .option('--secret', 'with --listen: require a new local secret, printed once on stderr')
    .option('--secret-file <file>', 'with --listen: require the local secret in this file (made, 0600, when missing)')
    .addOption(new Option('--print-config <client>', "print the entry for a client's configuration").choices(CLIENTS))
    .option('--name <name>', 'the server name --print-config uses', 'aip')
    .option('--quiet', 'log only warnings (on stderr)')
    .action(action(connect));
}

function tokenOrigin(options: ConnectOptions): TokenOrigin {
  const given = [options.tokenFile, options.tokenEnv, options.tokenCommand].filter((v) => v !== undefined);
  if (given.length !== 1)
    throw new CliError('aip_usage', 'give exactly one of --token-file, --token-env and --token-command');
  if (options.tokenFile !== undefined) return { kind: 'file', path: path.resolve(options.tokenFile) };
  if (options.tokenEnv !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(options.tokenEnv))
      throw new CliError('aip_usage', '--token-env must name an environment variable');
    return { kind: 'env', name: options.tokenEnv };
  }
  return { kind: 'command', command: options.tokenCommand as string };
}

function serverUrl(value: string | undefined): URL {
  if (value === undefined) throw new CliError('aip_usage', 'missing the MCP server URL');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError('aip_usage', `not a URL: ${value.slice(0, 100)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CliError('aip_usage', 'the MCP server URL must be http or https');
  if (url.username !== '' || url.password !== '') throw new CliError('aip_usage', 'the URL must not hold credentials');
  return url;
}

async function connect(options: ConnectOptions & OutputOptions, urlArg?: string): Promise<number> {
  const url = serverUrl(urlArg);
  const origin = tokenOrigin(options);
  if (options.listen === undefined && (options.secret === true || options.secretFile !== undefined))
    throw new CliError('aip_usage', '--secret and --secret-file go with --listen');
  if (options.secret === true && options.secretFile !== undefined)
    throw new CliError('aip_usage', 'give --secret or --secret-file, not both');
  if (options.printConfig !== undefined) return printConfig(options, url, origin);
  const { runBridge } = await import('../connect/run-bridge.js');
  return runBridge({
    url,
    origin,
    transport: options.transport,
    quiet: options.quiet === true,
    ...(options.audience === undefined ? {} : { audience: options.audience }),
    ...(options.listen === undefined ? {} : { listen: options.listen }),
    ...(options.secret === true ? { secret: 'new' as const } : {}),
    ...(options.secretFile === undefined ? {} : { secret: { file: path.resolve(options.secretFile) } }),
  });
}

async function printConfig(options: ConnectOptions, url: URL, origin: TokenOrigin): Promise<number> {
  if (options.listen !== undefined)
    throw new CliError(
      'aip_usage',
      '--print-config prints a stdio entry; a client that takes a URL is given the one --listen prints',
    );
  const [{ clientConfig }, { defaultAipHome, readIdentityInfo }] = await Promise.all([
    import('../connect/client-config.js'),
    import('@aip/identity/node'),
  ]);
  const home = path.resolve(defaultAipHome());
  const tokenArgs =
    origin.kind === 'file'
      ? ['--token-file', origin.path]
      : origin.kind === 'env'
        ? ['--token-env', origin.name]
        : ['--token-command', origin.command];
  const env: Record<string, string> = { AIP_HOME: home };
  if (origin.kind === 'env') env[origin.name] = '<the token>';
  const { snippet, where } = clientConfig(options.printConfig as ClientName, options.name, {
    command: process.execPath,
    args: [
      fileURLToPath(new URL('../main.js', import.meta.url)),
      'connect',
      url.href,
      ...tokenArgs,
      ...(options.audience === undefined ? [] : ['--audience', options.audience]),
      ...(options.transport === 'auto' ? [] : ['--transport', options.transport]),
    ],
    env,
  });
  process.stdout.write(`${JSON.stringify(snippet, null, 2)}\n`);
  process.stderr.write(`aip connect: put this in ${where}\n`);
  const info = await readIdentityInfo().catch(() => undefined);
  if (info === undefined) process.stderr.write(`aip connect: there is no identity in ${home} yet: run "aip init"\n`);
  else if (info.encrypted)
    process.stderr.write(
      'aip connect: the identity is encrypted: add AIP_PASSPHRASE to "env", or keep it unencrypted\n',
    );
  if (origin.kind === 'env')
    process.stderr.write(
      `aip connect: replace "<the token>" with the token (a file, --token-file, keeps it out of the config)\n`,
    );
  return EXIT_OK;
}
