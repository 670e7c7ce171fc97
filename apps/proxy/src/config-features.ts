// The production sections of the proxy configuration: proofs, budgets, trust-gated issuers,
// revocation, rate limits, session binding, metrics, OAuth resource-server mode, stdio servers.

import {
  boolean,
  httpUrl,
  integer,
  keyId,
  nonNegative,
  scopeNumbers,
  string,
  stringList,
  type Table,
  table,
} from './config-values.js';
import { ProxyConfigError } from './errors.js';

export interface PopConfig {
  /** Demand an `X-AIP-Proof` on every request. */
  required: boolean;
  /** Oldest proof accepted (its replay window), seconds. */
  maxAgeSeconds: number;
}

export interface BudgetConfig {
  /** SQLite ledger file. */
  ledger: string;
  /** Cost in USD per scope pattern; the most specific matching pattern wins. */
  costs: Map<string, number>;
  /** Cost of a scoped call no pattern matches. */
  defaultCost: number;
}

export interface TrustGateConfig {
  /** Whose point of view issuers are scored from (the operator's did:key). */
  root: string;
  /** The vouch scope that counts (e.g. `aip:issuer`). */
  scope: string;
  minScore: number;
  minCorroboration: number;
  /** The trust store (SQLite). */
  db: string;
}

export interface RevocationConfig {
  /** A file of revoked segment ids, `jti:<id>` entries and keys, one per line. */
  file: string;
  /** A revocation file older than this is stale. */
  maxAgeSeconds: number | undefined;
  /** Refuse every request while the revocation list is stale or unreadable. */
  failClosed: boolean;
}

export interface RateLimitConfig {
  /** Requests per minute per subject (the final holder). */
  principalPerMinute: number | undefined;
  /** Requests per minute per root issuer (all its delegates together). */
  issuerPerMinute: number | undefined;
  /** Calls per minute per tool, by scope pattern (all principals together). */
  toolPerMinute: Map<string, number>;
  /** In-flight requests per subject (streams excluded). */
  maxConcurrent: number | undefined;
}

export interface SessionConfig {
  /** Bind each Mcp-Session-Id to the principal that created it. */
  bind: boolean;
  /** Forget a binding after this long without use, seconds. */
  ttlSeconds: number;
}

export interface MetricsConfig {
  host: string;
  port: number;
  /** Distinct tool labels before the rest are counted as `other`. */
  maxToolLabels: number;
}

export interface OAuthConfig {
  /** The authorization server (`iss` of accepted JWTs). */
  issuer: string;
  jwksUri: URL;
  /** `aud` the JWTs must carry. */
  audience: string;
  /** OAuth scope -> AIP scopes. OAuth scopes that look like AIP scopes map to themselves. */
  scopeMap: Map<string, string[]>;
}

export interface StdioConfig {
  /** The server command and its arguments (spawned without a shell). */
  command: string[];
  idleTimeoutSeconds: number;
  maxSessions: number;
}

/** Keys allowed in each production section. */
export const FEATURE_SCHEMA: Record<string, readonly string[]> = {
  pop: ['required', 'max_age_seconds'],
  budget: ['ledger', 'costs', 'default_cost'],
  trust: ['root', 'scope', 'min_score', 'min_corroboration', 'db'],
  revocation: ['file', 'max_age_seconds', 'fail_closed'],
  rate_limit: ['principal_per_minute', 'issuer_per_minute', 'tool_per_minute', 'max_concurrent'],
  session: ['bind', 'ttl_seconds'],
  metrics: ['host', 'port', 'max_tool_labels'],
  oauth: ['issuer', 'jwks_uri', 'audience', 'scope_map'],
  stdio: ['command', 'idle_timeout_seconds', 'max_sessions'],
};

export interface FeatureConfig {
  pop: PopConfig;
  budget: BudgetConfig | undefined;
  trust: TrustGateConfig | undefined;
  revocation: RevocationConfig | undefined;
  rateLimit: RateLimitConfig;
  session: SessionConfig;
  metrics: MetricsConfig | undefined;
  oauth: OAuthConfig | undefined;
  stdio: StdioConfig | undefined;
}

const present = (root: Table, name: string) => root[name] !== undefined;
const perMinute = (key: string, value: unknown) => integer(key, value, 1, 100_000_000);

export function resolveFeatures(
  root: Table,
  flags: { stdio?: string[]; metricsPort?: number; popRequired?: boolean },
): FeatureConfig {
  const pop = table(root, 'pop');
  const budget = table(root, 'budget');
  const trust = table(root, 'trust');
  const revocation = table(root, 'revocation');
  const rate = table(root, 'rate_limit');
  const session = table(root, 'session');
  const metrics = table(root, 'metrics');
  const oauth = table(root, 'oauth');
  const stdio = table(root, 'stdio');

  const scopeMap = new Map<string, string[]>();
  for (const [scope, mapped] of Object.entries(oauth.scope_map === undefined ? {} : table(oauth, 'scope_map'))) {
    scopeMap.set(scope, stringList(`oauth.scope_map."${scope}"`, mapped));
  }
  const command = flags.stdio ?? (stdio.command === undefined ? undefined : stringList('stdio.command', stdio.command));

  const features: FeatureConfig = {
    pop: {
      required: flags.popRequired ?? (pop.required === undefined ? false : boolean('pop.required', pop.required)),
      maxAgeSeconds: integer('pop.max_age_seconds', pop.max_age_seconds ?? 60, 1, 3600),
    },
    budget: present(root, 'budget')
      ? {
          ledger: string('budget.ledger', budget.ledger ?? 'aip-budget.db'),
          costs: scopeNumbers('budget.costs', budget.costs, nonNegative),
          defaultCost: nonNegative('budget.default_cost', budget.default_cost ?? 0),
        }
      : undefined,
    trust: present(root, 'trust')
      ? {
          root: keyId('trust.root', trust.root),
          scope: string('trust.scope', trust.scope ?? 'aip:issuer'),
          minScore: unitInterval('trust.min_score', trust.min_score ?? 0.5),
          minCorroboration: integer('trust.min_corroboration', trust.min_corroboration ?? 1, 0, 64),
          db: string('trust.db', trust.db),
        }
      : undefined,
    revocation: present(root, 'revocation')
      ? {
          file: string('revocation.file', revocation.file),
          maxAgeSeconds:
            revocation.max_age_seconds === undefined
              ? undefined
              : integer('revocation.max_age_seconds', revocation.max_age_seconds, 1, 365 * 86_400),
          failClosed:
            revocation.fail_closed === undefined ? false : boolean('revocation.fail_closed', revocation.fail_closed),
        }
      : undefined,
    rateLimit: {
      principalPerMinute:
        rate.principal_per_minute === undefined
          ? undefined
          : perMinute('rate_limit.principal_per_minute', rate.principal_per_minute),
      issuerPerMinute:
        rate.issuer_per_minute === undefined
          ? undefined
          : perMinute('rate_limit.issuer_per_minute', rate.issuer_per_minute),
      toolPerMinute: scopeNumbers('rate_limit.tool_per_minute', rate.tool_per_minute, perMinute),
      maxConcurrent:
        rate.max_concurrent === undefined
          ? undefined
          : integer('rate_limit.max_concurrent', rate.max_concurrent, 1, 100_000),
    },
    session: {
      bind: session.bind === undefined ? true : boolean('session.bind', session.bind),
      ttlSeconds: integer('session.ttl_seconds', session.ttl_seconds ?? 86_400, 1, 30 * 86_400),
    },
    metrics:
      present(root, 'metrics') || flags.metricsPort !== undefined
        ? {
            host: string('metrics.host', metrics.host ?? '127.0.0.1'),
            port: integer(
              flags.metricsPort === undefined ? 'metrics.port' : '--metrics-port',
              flags.metricsPort ?? metrics.port ?? 9464,
              0,
              65535,
            ),
            maxToolLabels: integer('metrics.max_tool_labels', metrics.max_tool_labels ?? 100, 1, 10_000),
          }
        : undefined,
    oauth: present(root, 'oauth')
      ? {
          issuer: string('oauth.issuer', oauth.issuer),
          jwksUri: httpUrl('oauth.jwks_uri', oauth.jwks_uri),
          audience: string('oauth.audience', oauth.audience),
          scopeMap,
        }
      : undefined,
    stdio:
      command === undefined
        ? undefined
        : {
            command,
            idleTimeoutSeconds: integer('stdio.idle_timeout_seconds', stdio.idle_timeout_seconds ?? 300, 1, 86_400),
            maxSessions: integer('stdio.max_sessions', stdio.max_sessions ?? 64, 1, 10_000),
          },
  };
  return features;
}

function unitInterval(key: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1)
    throw new ProxyConfigError(key, 'must be a number from 0 to 1');
  return value;
}
