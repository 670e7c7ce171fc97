// The connection to `[state] redis_url` (DESIGN §9): opened lazily (an embedded proxy never loads
// the client), refused at start when the server may evict keys (an evicted proof claim is a
// replayable proof), and failing fast, never queueing, while it is down: a request that needs
// Redis then fails closed with `aip_stores_unavailable` instead of waiting.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ProxyConfigError } from '../config/errors.js';
import { redactUrl } from '../config/value-types.js';
import type { ProxyLogger } from '../logger.js';
import { describeFailure, StoreUnavailableError } from './store-unavailable.js';

/**
 * The commands the proxy's stores send outside their scripts: the client's own type stays out of
 * the published declarations (its types import packages that ship none).
 */
export interface RedisCommands {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ex: 'EX', seconds: number, nx: 'NX'): Promise<unknown>;
  hmget(key: string, ...fields: string[]): Promise<(string | null)[]>;
}

/** An open connection and how to run the proxy's scripts on it. */
export interface RedisConnection {
  /** Runs a Lua script (by its digest; sent whole only the first time a server sees it). */
  run(script: string, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown>;
  /** Runs commands on the client, failing closed as `run` does. */
  call<T>(commands: (client: RedisCommands) => Promise<T>): Promise<T>;
  /** True when the server answers a PING now. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

const KEY = 'state.redis_url';

// The server's maxmemory-policy, or undefined when it cannot be read (CONFIG refused).
async function evictionPolicy(client: Redis): Promise<string | undefined> {
  try {
    const answer = (await client.call('CONFIG', 'GET', 'maxmemory-policy')) as string[];
    return answer[1];
  } catch {
    return undefined;
  }
}

/**
 * Connects to `url` and checks that the server never evicts keys. Throws `ProxyConfigError` (key
 * `state.redis_url`, the URL shown without its password) when it cannot.
 *
 * @example
 * ```ts
 * const redis = await connectRedis(config.state.redis_url, logger);
 * ```
 */
export async function connectRedis(url: string, logger: ProxyLogger): Promise<RedisConnection> {
  const { Redis: RedisClient } = await import('ioredis');
  let started = false;
  const client = new RedisClient(url, {
    lazyConnect: true,
    // Fail at once while disconnected (fail closed), and bound a command a hung server never answers.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 2000,
    connectTimeout: 2000,
    // Reconnect for ever once started; at start a server that cannot be reached refuses the start.
    retryStrategy: (times) => (started ? Math.min(times * 100, 1000) : null),
  });
  let down = false;
  // Checked again on every reconnection (a failover may land on a server configured otherwise):
  // until a server that never evicts is back, commands fail closed.
  let evicting: string | undefined;
  let checking = false;
  client.on('error', (err: unknown) => {
    if (!started || down) return;
    down = true;
    logger.warn('Redis unreachable: requests needing it fail closed', { cause: describeFailure(err) });
  });
  const check = () => {
    void evictionPolicy(client).then((policy) => {
      checking = false;
      const was = evicting;
      evicting = policy === 'noeviction' ? undefined : (policy ?? 'unreadable');
      if (evicting !== undefined && was === undefined)
        logger.warn('Redis may evict keys: requests needing it fail closed', { policy: evicting });
      if (evicting === undefined && was !== undefined) logger.info('Redis never evicts keys again');
      // A policy that could not be read (a timeout) is asked again.
      if (policy === undefined && started && client.status === 'ready') setTimeout(check, 1000).unref();
    });
  };
  client.on('ready', () => {
    if (!started) return;
    if (down) logger.info('Redis reachable again');
    down = false;
    // Until the answer is in, nothing runs on the new connection.
    checking = true;
    check();
  });
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    throw new ProxyConfigError(KEY, `cannot reach ${redactUrl(url)} (${describeFailure(err)})`);
  }
  const policy = await evictionPolicy(client);
  if (policy !== 'noeviction') {
    client.disconnect();
    throw new ProxyConfigError(
      KEY,
      policy === undefined
        ? `cannot read maxmemory-policy of ${redactUrl(url)} (CONFIG GET refused); it must be noeviction`
        : `${redactUrl(url)} has maxmemory-policy ${policy}; it must be noeviction (an evicted proof claim could be replayed)`,
    );
  }
  started = true;

  const digests = new Map<string, string>();
  // Nothing runs on a server that may evict keys, or before that is known; a failure is the
  // store's, named by its kind.
  const guarded = async <T>(commands: () => Promise<T>): Promise<T> => {
    if (evicting !== undefined)
      throw new StoreUnavailableError('redis', `maxmemory-policy is ${evicting}, not noeviction`);
    if (checking) throw new StoreUnavailableError('redis', 'reconnected, maxmemory-policy not checked yet');
    try {
      return await commands();
    } catch (err) {
      throw new StoreUnavailableError('redis', client.status === 'ready' ? describeFailure(err) : 'not connected', {
        cause: err,
      });
    }
  };
  return {
    async run(script, keys, args) {
      let digest = digests.get(script);
      if (digest === undefined) {
        digest = createHash('sha1').update(script).digest('hex');
        digests.set(script, digest);
      }
      const sha = digest;
      return guarded(async () => {
        try {
          return await client.evalsha(sha, keys.length, ...keys, ...args);
        } catch (err) {
          if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
          return await client.eval(script, keys.length, ...keys, ...args);
        }
      });
    },
    call: (commands) => guarded(() => commands(client)),
    ping: () =>
      client.ping().then(
        () => true,
        () => false,
      ),
    async close() {
      started = false;
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}
