// Errors of @aip/proxy's configuration: each names the offending key.
import { AipError } from '@aip/identity';

/** Codes of {@link ProxyConfigError}. */
export type ProxyConfigErrorCode = 'aip_config_invalid';

/**
 * A configuration the proxy refuses to start with; the message names the key (`proxy.port`, ...).
 *
 * @example
 * ```ts
 * try { resolveConfig({ flags: { port: 70000 } }) } catch (err) { console.error((err as Error).message) }
 * // proxy.port: must be an integer from 0 to 65535
 * ```
 */
export class ProxyConfigError extends AipError {
  declare readonly code: ProxyConfigErrorCode;
  /** The dotted key at fault, e.g. `proxy.port`. */
  readonly key: string;

  constructor(key: string, message: string) {
    super('aip_config_invalid', `${key}: ${message}`);
    this.name = 'ProxyConfigError';
    this.key = key;
  }
}
