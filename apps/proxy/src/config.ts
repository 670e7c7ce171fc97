// aip-proxy configuration: the reference's TOML ([proxy] upstream port trust_keys, [audit]
// max_ttl_seconds max_budget_usd, [logging] log_file) plus a few keys of our own; command-line
// flags override the file; anything invalid or unknown is refused, naming the key.
import { readFile } from 'node:fs/promises';
import type { AuditWarningCode } from '@aip/token';
import { parse as parseToml } from 'smol-toml';
import { FEATURE_SCHEMA, type FeatureConfig, resolveFeatures } from './config-features.js';
import { integer, keyIds, nonNegative, optionalString, string, type Table, table } from './config-values.js';
import { ProxyConfigError } from './errors.js';

/** The resolved configuration the proxy runs with. */
export interface ProxyConfig extends FeatureConfig {
  /** The MCP server's origin; request paths are forwarded unchanged. */
  upstream: URL;
  host: string;
  port: number;
  /** Trusted root issuer keys (any key form). */
  trustKeys: string[];
  /** This resource's identifier (`aud` of tokens and proofs). Default: the public URL. */
  audience: string | undefined;
  /** The URL clients use to reach the proxy (metadata, WWW-Authenticate). Default: from the Host header. */
  publicUrl: string | undefined;
  maxBodyBytes: number;
  maxHeaderBytes: number;
  audit: { maxTtlSeconds: number; maxBudgetUsd: number; maxChainDepth: number; enforce: boolean | AuditWarningCode[] };
  /** Where the audit log goes; stdout when unset. */
  logFile: string | undefined;
}

/** Command-line overrides (`aip-proxy --upstream ... --port ... --trust-key ...`). */
export interface ProxyFlags {
  config?: string;
  upstream?: string;
  port?: number;
  host?: string;
  trustKeys?: string[];
  audience?: string;
  publicUrl?: string;
  logFile?: string;
  /** Serve this stdio MCP server command instead of an HTTP upstream. */
  stdio?: string[];
  metricsPort?: number;
  popRequired?: boolean;
}

const WARNING_CODES: readonly AuditWarningCode[] = [
  'ttl_exceeds_max',
  'wildcard_scope',
  'budget_exceeds_max',
  'deep_chain',
];

const SCHEMA: Record<string, readonly string[]> = {
  proxy: ['upstream', 'port', 'host', 'trust_keys', 'audience', 'public_url', 'max_body_bytes', 'max_header_bytes'],
  audit: ['max_ttl_seconds', 'max_budget_usd', 'max_depth', 'enforce'],
  logging: ['log_file'],
  ...FEATURE_SCHEMA,
};

function checkKeys(root: Table): void {
  for (const [section, value] of Object.entries(root)) {
    const allowed = SCHEMA[section];
    if (allowed === undefined) throw new ProxyConfigError(section, 'unknown section');
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new ProxyConfigError(section, 'must be a table');
    for (const key of Object.keys(value))
      if (!allowed.includes(key)) throw new ProxyConfigError(`${section}.${key}`, 'unknown key');
  }
}

function upstreamUrl(key: string, value: unknown): URL {
  let url: URL;
  try {
    url = new URL(string(key, value));
  } catch {
    throw new ProxyConfigError(key, 'must be a URL such as http://localhost:3000');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ProxyConfigError(key, 'must be an http or https URL');
  if (url.username !== '' || url.password !== '') throw new ProxyConfigError(key, 'must not contain credentials');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    throw new ProxyConfigError(key, 'must be an origin (scheme://host:port); request paths are forwarded as sent');
  }
  return url;
}

function enforce(key: string, value: unknown): boolean | AuditWarningCode[] {
  if (typeof value === 'boolean') return value;
  if (Array.isArray(value) && value.every((v) => WARNING_CODES.includes(v as AuditWarningCode)))
    return value as AuditWarningCode[];
  throw new ProxyConfigError(key, `must be true, false or a list of ${WARNING_CODES.join(', ')}`);
}

/**
 * Builds the configuration from a parsed TOML document and flags (flags win). Throws
 * `ProxyConfigError` naming the first bad key.
 *
 * @example
 * ```ts
 * const config = resolveConfig({ proxy: { upstream: 'http://localhost:3000', trust_keys: ['z6Mk...'] } }, { port: 8080 });
 * ```
 */
export function resolveConfig(document: Table, flags: ProxyFlags = {}): ProxyConfig {
  checkKeys(document);
  const proxy = table(document, 'proxy');
  const audit = table(document, 'audit');
  const logging = table(document, 'logging');
  const upstream = upstreamUrl(
    flags.upstream !== undefined ? '--upstream' : 'proxy.upstream',
    flags.upstream ?? proxy.upstream ?? 'http://localhost:3000',
  );
  const keys =
    flags.trustKeys !== undefined && flags.trustKeys.length > 0
      ? keyIds('--trust-key', flags.trustKeys)
      : proxy.trust_keys === undefined
        ? []
        : keyIds('proxy.trust_keys', proxy.trust_keys);
  const features = resolveFeatures(document, {
    ...(flags.stdio === undefined ? {} : { stdio: flags.stdio }),
    ...(flags.metricsPort === undefined ? {} : { metricsPort: flags.metricsPort }),
    ...(flags.popRequired === undefined ? {} : { popRequired: flags.popRequired }),
  });
  if (keys.length === 0 && features.trust === undefined && features.oauth === undefined) {
    throw new ProxyConfigError(
      'proxy.trust_keys',
      'no trusted issuer keys: set proxy.trust_keys, pass --trust-key, or configure [trust] or [oauth]',
    );
  }
  const publicUrl = flags.publicUrl ?? optionalString('proxy.public_url', proxy.public_url);
  if (publicUrl !== undefined) {
    try {
      new URL(publicUrl);
    } catch {
      throw new ProxyConfigError('proxy.public_url', 'must be a URL');
    }
  }
  const logFile = flags.logFile ?? optionalString('logging.log_file', logging.log_file);
  return {
    ...features,
    upstream,
    host: flags.host ?? (proxy.host === undefined ? '127.0.0.1' : string('proxy.host', proxy.host)),
    port: integer(flags.port !== undefined ? '--port' : 'proxy.port', flags.port ?? proxy.port ?? 8080, 0, 65535),
    trustKeys: keys,
    audience: flags.audience ?? optionalString('proxy.audience', proxy.audience),
    publicUrl: publicUrl?.replace(/\/+$/, ''),
    maxBodyBytes: integer('proxy.max_body_bytes', proxy.max_body_bytes ?? 4 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    maxHeaderBytes: integer('proxy.max_header_bytes', proxy.max_header_bytes ?? 32 * 1024, 4096, 1024 * 1024),
    audit: {
      maxTtlSeconds: integer('audit.max_ttl_seconds', audit.max_ttl_seconds ?? 3600, 1, Number.MAX_SAFE_INTEGER),
      maxBudgetUsd: nonNegative('audit.max_budget_usd', audit.max_budget_usd ?? 10),
      maxChainDepth: integer('audit.max_depth', audit.max_depth ?? 5, 0, 64),
      enforce: enforce('audit.enforce', audit.enforce ?? false),
    },
    logFile,
  };
}

/**
 * Reads the TOML file named by `flags.config` (if any) and resolves it with the flags.
 *
 * @example
 * ```ts
 * const config = await loadProxyConfig({ config: 'proxy.toml', port: 9090 });
 * ```
 */
export async function loadProxyConfig(flags: ProxyFlags): Promise<ProxyConfig> {
  if (flags.config === undefined) return resolveConfig({}, flags);
  let text: string;
  try {
    text = await readFile(flags.config, 'utf8');
  } catch (err) {
    throw new ProxyConfigError(
      '--config',
      `cannot read ${flags.config} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  let document: Table;
  try {
    document = parseToml(text) as Table;
  } catch (err) {
    const line = (err as { line?: number }).line;
    throw new ProxyConfigError(
      '--config',
      `${flags.config} is not valid TOML${line === undefined ? '' : ` (line ${line})`}`,
    );
  }
  return resolveConfig(document, flags);
}
