// The few Redis commands the registry sends, as an interface an ioredis client satisfies: the
// published declarations name this, never the driver's own types (ioredis's declarations need
// packages without types of their own, which would break a consumer's type check).

/**
 * What the registry's Redis stores call.
 *
 * @example
 * ```ts
 * const { Redis } = await import('ioredis');
 * const commands: RedisCommands = new Redis('redis://127.0.0.1:6379');
 * ```
 */
export interface RedisCommands {
  eval(script: string, keys: number, ...args: (string | number)[]): Promise<unknown>;
  set(key: string, value: string, ex: 'EX', seconds: number, nx: 'NX'): Promise<unknown>;
  getdel(key: string): Promise<string | null>;
}
