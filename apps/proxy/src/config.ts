// aip-proxy configuration: the reference's TOML ([proxy] upstream port trust_keys, [audit]
// max_ttl_seconds max_budget_usd, [logging] log_file) plus a few keys of our own; command-line
// flags override the file; anything invalid or unknown is refused, naming the key.
import { readFile } from 'node:fs/promises';
import { publicKeyFromId } from '@aip/identity';
import type { AuditWarningCode } from '@aip/token';
import { parse as parseToml } from 'smol-toml';
import { ProxyConfigError } from './errors.js';

/** The resolved configuration the proxy runs with. */
export interface ProxyConfig {
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
};

type Table = Record<string, unknown>;

function table(root: Table, name: string): Table {
  const value = root[name];
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ProxyConfigError(name, 'must be a table');
  return value as Table;
}

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

function integer(key: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ProxyConfigError(key, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

function string(key: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw new ProxyConfigError(key, 'must be a non-empty string');
  return value;
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

function trustKeys(key: string, value: unknown): string[] {
  if (!Array.isArray(value)) throw new ProxyConfigError(key, 'must be an array of keys');
  return value.map((entry, i) => {
    const id = string(`${key}[${i}]`, entry);
    try {
      publicKeyFromId(id);
    } catch (err) {
      throw new ProxyConfigError(`${key}[${i}]`, `not a usable Ed25519 key (${(err as Error).message})`);
    }
    return id;
  });
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
      ? trustKeys('--trust-key', flags.trustKeys)
      : proxy.trust_keys === undefined
        ? []
        : trustKeys('proxy.trust_keys', proxy.trust_keys);
  if (keys.length === 0)
    throw new ProxyConfigError('proxy.trust_keys', 'no trusted issuer keys: set proxy.trust_keys or pass --trust-key');
  const optional = (key: string, value: unknown) => (value === undefined ? undefined : string(key, value));
  const publicUrl = flags.publicUrl ?? optional('proxy.public_url', proxy.public_url);
  if (publicUrl !== undefined) {
    try {
      new URL(publicUrl);
    } catch {
      throw new ProxyConfigError('proxy.public_url', 'must be a URL');
    }
  }
  const logFile = flags.logFile ?? optional('logging.log_file', logging.log_file);
  return {
    upstream,
    host: flags.host ?? (proxy.host === undefined ? '127.0.0.1' : string('proxy.host', proxy.host)),
    port: integer(flags.port !== undefined ? '--port' : 'proxy.port', flags.port ?? proxy.port ?? 8080, 0, 65535),
    trustKeys: keys,
    audience: flags.audience ?? optional('proxy.audience', proxy.audience),
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

function nonNegative(key: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new ProxyConfigError(key, 'must be a number >= 0');
  return value;
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
