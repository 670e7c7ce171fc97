// The configuration of aip-proxy, one declarative table per TOML section (the reference's
// [proxy] upstream port trust_keys, [audit], [logging], and our own). Everything else — validation,
// environment variables, flags, the reload diff and the README's reference — is derived from here,
// so adding a key is one edit.
import type { AuditWarningCode } from '@aip/token';
import { ProxyConfigError } from './errors.js';
import { optional, type Resolved, required, section, setting } from './table.js';
import {
  boolean,
  corsOrigin,
  decimal,
  didKey,
  didWeb,
  envName,
  envTable,
  httpUrl,
  integer,
  keyId,
  listOf,
  oneOf,
  origin,
  publicUrl,
  requestPath,
  scopeTable,
  serviceUrl,
  text,
  type ValueType,
} from './value-types.js';

const WARNING_CODES: readonly AuditWarningCode[] = [
  'ttl_exceeds_max',
  'wildcard_scope',
  'budget_exceeds_max',
  'deep_chain',
];

const enforcement: ValueType<boolean | AuditWarningCode[]> = {
  describe: `true, false or a list of ${WARNING_CODES.join(', ')}`,
  parse(key, raw) {
    if (typeof raw === 'boolean') return raw;
    if (Array.isArray(raw) && raw.every((v) => WARNING_CODES.includes(v as AuditWarningCode)))
      return raw as AuditWarningCode[];
    throw new ProxyConfigError(key, `must be ${this.describe}`);
  },
  fromText(key, t) {
    const v = t.trim();
    if (v === 'true' || v === 'false') return v === 'true';
    return this.parse(
      key,
      v.split(/\s*,\s*/).filter((e) => e !== ''),
    );
  },
  show: (v) => (typeof v === 'boolean' ? String(v) : `[${v.map((c) => `"${c}"`).join(', ')}]`),
};

const MIB = 1024 * 1024;
const perMinute = integer(1, 100_000_000);

/** The table. Section and key names are the TOML names. */
export const SECTIONS = {
  proxy: section({
    optional: false,
    reload: true,
    doc: 'where the proxy listens, what it protects, whom it trusts',
    keys: {
      upstream: setting(origin, new URL('http://localhost:3000'), {
        reload: false,
        flag: { name: '--upstream', argument: '<url>' },
        doc: "the MCP server's origin; every request goes to it in its canonical form",
      }),
      port: setting(integer(0, 65535), 8080, {
        reload: false,
        flag: { name: '--port', argument: '<n>' },
        doc: '0 picks a free port',
      }),
      host: setting(text, '127.0.0.1', {
        reload: false,
        flag: { name: '--host', argument: '<host>' },
        doc: 'the address to listen on',
      }),
      trust_keys: setting(listOf(keyId), [] as string[], {
        reload: true,
        flag: { name: '--trust-key', argument: '<key>', repeatable: true },
        doc: 'trusted root issuer keys; required unless trust_did_web, [trust] or [oauth] is configured',
      }),
      trust_did_web: setting(listOf(didWeb), [] as string[], {
        reload: true,
        flag: { name: '--trust-did-web', argument: '<did>', repeatable: true },
        doc: 'trusted root issuers anchored in a domain: each key is resolved over HTTPS (https://<host>/.well-known/did.json, or <path>/did.json), cached five minutes and refreshed in the background; a token of one not resolved is refused aip_identity_unresolvable',
      }),
      audience: optional(text, {
        reload: true,
        flag: { name: '--audience', argument: '<id>' },
        defaultNote: 'public_url, else http://<listen address>',
        doc: "this resource's identifier: tokens with aud, and every proof, must name it",
      }),
      public_url: optional(publicUrl, {
        reload: true,
        flag: { name: '--public-url', argument: '<url>' },
        defaultNote: 'http://<listen address>',
        doc: 'the URL clients reach the proxy at (metadata, WWW-Authenticate); never taken from Host',
      }),
      mcp_paths: setting(
        listOf(requestPath, { nonEmpty: true }),
        ['/mcp', '/sse', '/message', '/messages', '/messages/'],
        {
          reload: true,
          doc: "the upstream's MCP endpoints: JSON-RPC bodies are accepted only there; any other path is plain HTTP",
        },
      ),
      forwarded_headers: setting(oneOf(['set', 'none'] as const), 'set' as 'set' | 'none', {
        reload: true,
        doc: "client Forwarded/X-Forwarded-* are always dropped; `set` sends the proxy's own",
      }),
      max_body_bytes: setting(integer(1024, 1024 * MIB), 4 * MIB, {
        reload: true,
        doc: 'larger request bodies get 413 without being read',
      }),
      max_header_bytes: setting(integer(4096, MIB), 32 * 1024, { reload: false, doc: 'request header size limit' }),
      max_json_depth: setting(integer(8, 1024), 64, {
        reload: true,
        doc: 'JSON bodies nested deeper are refused before they are parsed',
      }),
      max_streams: setting(integer(1, 1_000_000), 1024, {
        reload: true,
        doc: 'open GET streams, all principals together (each has its own upstream connection)',
      }),
      upstream_timeout_seconds: setting(integer(1, 3600), 60, {
        reload: true,
        doc: "the upstream's response headers must arrive within this (else 504)",
      }),
      upstream_body_timeout_seconds: setting(integer(1, 86_400), 300, {
        reload: true,
        doc: 'a response body (GET streams excepted) silent for this long is cut',
      }),
    },
  }),
  audit: section({
    optional: false,
    reload: true,
    doc: 'warnings on valid tokens (X-AIP-Audit), or refusals when enforced',
    keys: {
      max_ttl_seconds: setting(integer(1, Number.MAX_SAFE_INTEGER), 3600, {
        reload: true,
        doc: 'longer-lived tokens warn',
      }),
      max_budget_usd: setting(decimal(0), 10, { reload: true, doc: 'larger budgets warn' }),
      max_depth: setting(integer(0, 64), 5, { reload: true, doc: 'longer chains warn' }),
      enforce: setting(enforcement, false as boolean | AuditWarningCode[], {
        reload: true,
        doc: 'refuse instead of warning (all, or the listed warnings)',
      }),
    },
  }),
  logging: section({
    optional: false,
    reload: true,
    doc: 'the hash-chained audit log',
    keys: {
      sink: setting(oneOf(['file', 'postgres'] as const), 'file' as 'file' | 'postgres', {
        reload: false,
        doc: "file: `log_file` (or stdout); postgres: each replica's chain in the table aip_audit of `state.postgres_url`",
      }),
      log_file: optional(text, {
        reload: false,
        flag: { name: '--log-file', argument: '<file>' },
        defaultNote: 'stdout',
        doc: 'appended (0600); the chain continues across restarts, a torn last line is closed off',
      }),
      level: setting(
        oneOf(['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const),
        'info' as 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent',
        {
          reload: true,
          flag: { name: '--log-level', argument: '<level>' },
          doc: 'operational messages (JSON lines on stderr): start, reload, shutdown, failures with their cause',
        },
      ),
      access: setting(boolean, false, {
        reload: true,
        flag: { name: '--access-log' },
        doc: 'also one JSON line per request on stderr (method, path, status, decision, code, latency)',
      }),
      on_failure: setting(oneOf(['refuse', 'continue'] as const), 'refuse' as 'refuse' | 'continue', {
        reload: true,
        doc: 'while the log cannot be written (a full disk): refuse requests (503) or serve them unaudited',
      }),
      checkpoint_key: optional(text, {
        reload: false,
        defaultNote: '<log_file>.key',
        doc: 'the identity file that signs checkpoints (created 0600 if missing)',
      }),
      checkpoint_seconds: setting(integer(1, 86_400), 10, {
        reload: false,
        doc: 'how often a signed checkpoint is appended and the anchor file replaced',
      }),
    },
  }),
  pop: section({
    optional: false,
    reload: true,
    doc: 'signed tool calls (X-AIP-Proof)',
    keys: {
      required: setting(boolean, false, {
        reload: true,
        flag: { name: '--require-proof' },
        doc: 'demand a proof on every request; a proof that is sent is always checked',
      }),
      max_age_seconds: setting(integer(1, 3600), 60, {
        reload: true,
        doc: "a proof's lifetime, and its replay window",
      }),
    },
  }),
  budget: section({
    optional: true,
    reload: false,
    doc: 'per-call costs charged to every link of the chain',
    keys: {
      ledger: setting(text, 'aip-budget.db', {
        reload: false,
        doc: 'SQLite; share it between proxies to share budgets',
      }),
      costs: setting(scopeTable(decimal(0), { describe: 'table of scope pattern = USD' }), new Map<string, number>(), {
        reload: true,
        doc: 'the most specific matching pattern prices a call',
      }),
      default_cost: setting(decimal(0), 0, { reload: true, doc: 'for scoped calls no pattern matches' }),
      pending_seconds: setting(integer(1, 7 * 86_400), 900, {
        reload: true,
        doc: 'a charge whose delivery was never settled (a killed proxy) is marked unknown after this',
      }),
    },
  }),
  trust: section({
    optional: true,
    reload: true,
    doc: 'admit issuers by the trust graph, besides trust_keys',
    keys: {
      root: required(keyId, { reload: true, doc: "whose point of view (the operator's key)" }),
      db: required(text, { reload: true, doc: 'an @aip/trust store (aip vouch, aip trust import, aip sync)' }),
      scope: setting(text, 'aip:issuer', { reload: true, doc: 'the vouch scope that counts' }),
      min_score: setting(decimal(0, 1), 0.5, { reload: true, doc: 'path trust an issuer needs' }),
      min_corroboration: setting(integer(0, 64), 1, { reload: true, doc: 'vertex-disjoint chains an issuer needs' }),
      max_hops: setting(integer(1, 4), 2, {
        reload: true,
        doc: 'vouches from the root to an issuer: 2 admits issuers the root vouched for, and those they vouched for',
      }),
    },
  }),
  key_events: section({
    optional: true,
    reload: true,
    doc: 'rotated and revoked keys (DESIGN §11); without it, the key events of [trust] db are used',
    keys: {
      db: required(text, {
        reload: true,
        doc: 'an @aip/trust store holding key events (aip init, aip rotate, aip identity revoke, aip sync)',
      }),
    },
  }),
  revocation: section({
    optional: true,
    reload: true,
    doc: 'revoked segments, jtis and keys; always fails closed',
    keys: {
      file: required(text, { reload: true, doc: 'segment ids, jti:<id> entries and keys, one per line, # comments' }),
      max_age_seconds: optional(integer(1, 365 * 86_400), {
        reload: true,
        defaultNote: 'never stale',
        doc: 'a file older than this is stale: every request is refused until it is renewed',
      }),
    },
  }),
  rate_limit: section({
    optional: false,
    reload: true,
    doc: 'work each caller may cause, bounded before it is spent (429 with Retry-After)',
    keys: {
      principal_per_minute: optional(perMinute, {
        reload: true,
        defaultNote: 'no limit',
        doc: 'requests per grant (a root token and every delegation made from it)',
      }),
      issuer_per_minute: optional(perMinute, {
        reload: true,
        defaultNote: 'no limit',
        doc: 'requests per root issuer, all its grants together',
      }),
      tool_per_minute: setting(
        scopeTable(perMinute, { describe: 'table of scope pattern = integer' }),
        new Map<string, number>(),
        {
          reload: true,
          doc: 'calls per tool, all callers together',
        },
      ),
      body_bytes_per_minute: setting(integer(1024, Number.MAX_SAFE_INTEGER), 64 * MIB, {
        reload: true,
        doc: 'request body bytes per grant, taken before a body is read (bounds the parsing one caller can cause)',
      }),
      max_concurrent: setting(integer(1, 100_000), 64, {
        reload: true,
        doc: 'in-flight requests per grant, streams included',
      }),
      max_streams: setting(integer(1, 10_000), 8, { reload: true, doc: 'open GET streams per grant' }),
      unauthenticated_per_minute: setting(perMinute, 600, {
        reload: true,
        doc: 'requests without a valid credential, per client address',
      }),
      refusal_delay_ms: setting(integer(0, 10_000), 1000, {
        reload: true,
        doc: "a 429 is sent after this delay (at most its Retry-After), so a client that does not wait cannot take others' time; 0 answers at once",
      }),
    },
  }),
  session: section({
    optional: false,
    reload: true,
    doc: 'MCP session ids bound to the principal that opened them',
    keys: {
      bind: setting(boolean, true, {
        reload: false,
        doc: 'seal session and event ids to their principal; false passes them through unchecked',
      }),
      ttl_seconds: setting(integer(1, 30 * 86_400), 86_400, {
        reload: true,
        doc: 'a sealed session id expires this long after it was issued',
      }),
    },
  }),
  state: section({
    optional: false,
    reload: false,
    doc: 'state shared by replicas',
    keys: {
      session_secret_file: optional(text, {
        reload: false,
        defaultNote: 'a fresh secret per process',
        doc: 'at least 32 random bytes that seal session ids; the same file on every replica keeps sessions across restarts',
      }),
      redis_url: optional(serviceUrl(['redis', 'rediss']), {
        reload: false,
        defaultNote: 'proof claims and rate buckets in memory',
        doc: 'Redis (maxmemory-policy noeviction) shared by replicas: proof claims, rate-limit buckets and task bindings',
      }),
      postgres_url: optional(serviceUrl(['postgres', 'postgresql']), {
        reload: false,
        defaultNote: 'the SQLite ledger of `budget.ledger`',
        doc: 'PostgreSQL shared by replicas: the budget ledger',
      }),
      replica_id: optional(text, {
        reload: false,
        defaultNote: 'hostname:pid',
        doc: "this replica's name, recorded at the start of its audit chain",
      }),
    },
  }),
  metrics: section({
    optional: true,
    reload: false,
    doc: 'Prometheus /metrics and /healthz on their own port',
    keys: {
      host: setting(text, '127.0.0.1', { reload: false, doc: 'the metrics address' }),
      port: setting(integer(0, 65535), 9464, {
        reload: false,
        flag: { name: '--metrics-port', argument: '<n>' },
        doc: 'the metrics port',
      }),
      max_tool_labels: setting(integer(1, 10_000), 100, {
        reload: false,
        doc: 'distinct tool labels before the rest count as other',
      }),
    },
  }),
  oauth: section({
    optional: true,
    reload: false,
    doc: 'OAuth 2.1 resource server, next to AIP tokens',
    keys: {
      issuer: required(text, { reload: false, doc: 'the authorization server (iss of accepted JWTs)' }),
      jwks_uri: required(httpUrl, { reload: false, doc: "the authorization server's keys" }),
      audience: optional(text, {
        reload: false,
        defaultNote: "this resource's identifiers",
        doc: 'an aud JWTs may carry besides the identifiers the proxy advertises (public_url, and public_url + each MCP path: what SDK clients request)',
      }),
      scope_map: setting(
        scopeTable(listOf(text), {
          describe: 'table of OAuth scope = [AIP scopes]',
          keyCheck: (s) => /^[\x21-\x7e]+$/.test(s),
        }),
        new Map<string, string[]>(),
        { reload: false, doc: 'OAuth scopes that are AIP scopes map to themselves' },
      ),
    },
  }),
  a2a: section({
    optional: true,
    reload: true,
    doc: 'an A2A agent (JSON-RPC binding) behind the proxy, with its AIP identity',
    keys: {
      agent_did: required(didKey, {
        reload: true,
        doc: "the agent's identity, published in its card: A2A requests carry a chain delegated to it, and proofs name it as audience",
      }),
      paths: required(listOf(requestPath, { nonEmpty: true }), {
        reload: true,
        doc: "the agent's A2A JSON-RPC endpoints (its card's JSONRPC interface URLs): A2A methods are read only there",
      }),
      card_paths: setting(listOf(requestPath, { nonEmpty: true }), ['/.well-known/agent-card.json'], {
        reload: true,
        doc: 'where the agent card is served without a token, with the AIP identity published in it (add /.well-known/agent.json for A2A 0.2 clients)',
      }),
    },
  }),
  cors: section({
    optional: true,
    reload: true,
    doc: 'browser clients on other origins',
    keys: {
      allowed_origins: required(listOf(corsOrigin, { nonEmpty: true }), {
        reload: true,
        doc: 'origins whose pages may call the proxy (preflights answered without a token; the session id, challenges and X-AIP-* headers readable); "*" for any',
      }),
      max_age_seconds: setting(integer(0, 86_400), 600, {
        reload: true,
        doc: 'how long a browser may reuse a preflight answer',
      }),
    },
  }),
  stdio: section({
    optional: true,
    reload: false,
    doc: 'serve a stdio MCP server instead of an HTTP upstream',
    keys: {
      command: required(listOf(text, { nonEmpty: true }), {
        reload: false,
        flag: { name: '--stdio', argument: '-- <command...>' },
        doc: 'the server and its arguments, spawned without a shell, one process per session',
      }),
      idle_timeout_seconds: setting(integer(1, 86_400), 300, {
        reload: false,
        doc: 'a session without requests is reaped',
      }),
      max_sessions: setting(integer(1, 10_000), 64, { reload: false, doc: 'child processes, all principals together' }),
      max_sessions_per_principal: setting(integer(1, 10_000), 4, { reload: false, doc: 'child processes per grant' }),
      env: setting(envTable, new Map<string, string>(), {
        reload: false,
        doc: 'variables set for the server; it always gets HOME, LOGNAME, PATH, SHELL, TERM and USER, and nothing else unless listed here or in env_allow',
      }),
      env_allow: setting(listOf(envName), [] as string[], {
        reload: false,
        doc: "names of the proxy's own environment variables passed on to the server when set (env wins)",
      }),
      cwd: optional(text, {
        reload: false,
        defaultNote: "the proxy's working directory",
        doc: 'the directory the server runs in (must exist)',
      }),
    },
  }),
};

/** The configuration the proxy runs with. */
export type ProxyConfig = Resolved<typeof SECTIONS>;
export type SectionName = keyof typeof SECTIONS;
