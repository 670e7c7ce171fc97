// Runs `aip connect`: the local identity unlocked, the token loaded (and checked to be held by that
// identity, or every proof would be refused), the bridge's fetch built, then either the stdio relay
// (until the client closes stdin) or the loopback listener (until SIGINT/SIGTERM).
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { didKeyFromId, isSelfCertifyingId } from '@aip/identity';
import { decodeToken } from '@aip/token';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CliError } from '../cli-error.js';
import { EXIT_OK } from '../exit-codes.js';
import { loadLocalIdentity } from '../local-identity.js';
import { createBridgeFetch } from './bridge-fetch.js';
import { isLoopbackHost, parseListen, startListener } from './listen.js';
import { stderrLog } from './log.js';
import { startRelay } from './stdio-relay.js';
import { type TokenOrigin, TokenSource } from './token-source.js';

export interface BridgeOptions {
  url: URL;
  origin: TokenOrigin;
  transport: 'auto' | 'streamable-http' | 'sse';
  quiet: boolean;
  audience?: string;
  /** `HOST:PORT` to serve over loopback HTTP; stdio otherwise. */
  listen?: string;
  /** With `listen`: a new secret, or the one in a file (made when missing). */
  secret?: 'new' | { file: string };
}

function holderOf(token: string): string {
  const segments = decodeToken(token);
  return segments[segments.length - 1]?.claims.sub ?? '';
}

function sameIdentity(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return isSelfCertifyingId(a) && isSelfCertifyingId(b) && didKeyFromId(a) === didKeyFromId(b);
  } catch {
    return false;
  }
}

async function localSecret(
  secret: BridgeOptions['secret'],
  log: ReturnType<typeof stderrLog>,
): Promise<string | undefined> {
  if (secret === undefined) return undefined;
  const fresh = randomBytes(32).toString('base64url');
  if (secret === 'new') {
    log.warn(`clients must send this local secret: Authorization: Bearer ${fresh}`);
    return fresh;
  }
  try {
    const kept = (await readFile(secret.file, 'utf8')).trim();
    if (kept.length < 16) throw new CliError('aip_usage', `${secret.file} holds no secret of at least 16 characters`);
    return kept;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await writeFile(secret.file, `${fresh}\n`, { mode: 0o600, flag: 'wx' });
    log.info(`wrote a new local secret to ${secret.file}`);
    return fresh;
  }
}

/** Runs the bridge until its client has gone; resolves to the exit code. */
export async function runBridge(options: BridgeOptions): Promise<number> {
  const log = stderrLog(options.quiet);
  const listen = options.listen === undefined ? undefined : parseListen(options.listen);
  if (options.listen !== undefined) {
    if (listen === undefined) throw new CliError('aip_usage', '--listen takes HOST:PORT, e.g. 127.0.0.1:8090');
    if (!isLoopbackHost(listen.host))
      throw new CliError(
        'aip_usage',
        `--listen ${listen.host}: the bridge holds your token, so it listens on loopback only`,
      );
  }
  const { identity } = await loadLocalIdentity();
  const tokens = new TokenSource({
    origin: options.origin,
    log,
    refuse: (token) => {
      const holder = holderOf(token);
      return sameIdentity(holder, identity.did)
        ? undefined
        : `the token is held by ${holder.slice(0, 80)}, not by this identity (${identity.did}): every proof would be refused`;
    },
  });
  await tokens.start();
  const fetch = createBridgeFetch({
    tokens,
    holder: identity,
    sessionLoss: listen === undefined ? 'throw' : 'pass',
    log,
    ...(options.audience === undefined ? {} : { audience: options.audience }),
  });
  const until = new Date(tokens.expiresAt * 1000).toISOString();
  try {
    if (listen !== undefined) {
      const listener = await startListener({
        ...listen,
        upstream: options.url,
        fetch,
        secret: await localSecret(options.secret, log),
        log,
      }).catch((err: NodeJS.ErrnoException) => {
        throw new CliError('aip_usage', `cannot listen on ${options.listen} (${err.code ?? err.message})`);
      });
      log.info(`serving ${listener.url} for ${options.url.href} as ${identity.did} (token valid until ${until})`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await listener.close();
      return EXIT_OK;
    }
    const client = new StdioServerTransport();
    const relay = await startRelay({
      url: options.url,
      fetch,
      transport: options.transport,
      client,
      log,
      hints: {
        token: tokens.describe(),
        source: tokens.kind,
        audience: options.audience ?? options.url.origin,
      },
    });
    // The client closing our stdin (or a signal) ends the bridge, and the session with it.
    process.stdin.once('end', () => void relay.close({ drain: true }));
    const end = () => void relay.close();
    process.once('SIGINT', end);
    process.once('SIGTERM', end);
    log.info(`bridging stdio to ${options.url.href} as ${identity.did} (token valid until ${until})`);
    await relay.closed;
    return EXIT_OK;
  } finally {
    tokens.close();
    // Idle keep-alive connections must not hold the process once the bridge is done.
    setTimeout(() => process.exit(), 1000).unref();
  }
}
