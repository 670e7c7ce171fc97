import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import {
  configReference,
  environmentLayer,
  flagOptions,
  flagsLayer,
  planReload,
  resolveConfig,
  resolveLayers,
  SECTIONS,
} from '../src/index.js';

const KEY = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
const base = { proxy: { trust_keys: [KEY] } };

describe('configuration from the table', () => {
  it('fills defaults and keeps optional sections absent until named', () => {
    const config = resolveConfig(base);
    expect(config.proxy).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      mcp_paths: ['/mcp', '/sse', '/message', '/messages', '/messages/'],
    });
    expect(config.rate_limit).toMatchObject({ max_concurrent: 64, max_streams: 8, unauthenticated_per_minute: 600 });
    expect(config.budget).toBeUndefined();
    expect(resolveConfig({ ...base, budget: {} }).budget).toMatchObject({ ledger: 'aip-budget.db', default_cost: 0 });
  });

  it('refuses unknown sections and keys, bad values and missing required keys, naming them', () => {
    expect(() => resolveConfig({ ...base, proxi: {} })).toThrow('proxi: unknown section');
    expect(() => resolveConfig({ proxy: { ...base.proxy, prot: 1 } })).toThrow('proxy.prot: unknown key');
    expect(() => resolveConfig({ proxy: { ...base.proxy, port: 70000 } })).toThrow(
      'proxy.port: must be an integer from 0 to 65535',
    );
    expect(() => resolveConfig({ ...base, trust: { root: KEY } })).toThrow('trust.db: is required');
    expect(() => resolveConfig({})).toThrow('proxy.trust_keys: no trusted issuer keys');
    expect(() => resolveConfig({ proxy: { ...base.proxy, mcp_paths: ['/mcp/../admin'] } })).toThrow(
      'proxy.mcp_paths[0]',
    );
  });

  it('reads every key from an AIP_PROXY_* environment variable, named in its errors', () => {
    const env = environmentLayer({
      AIP_PROXY_TRUST_KEYS: KEY,
      AIP_PROXY_PORT: '9090',
      AIP_PROXY_POP_REQUIRED: 'true',
      AIP_PROXY_RATE_LIMIT_TOOL_PER_MINUTE: '{"tool:slow": 5}',
      AIP_PROXY_BUDGET_LEDGER: '/var/lib/aip/budget.db',
    });
    const config = resolveLayers([env]);
    expect(config.proxy.port).toBe(9090);
    expect(config.pop.required).toBe(true);
    expect(config.rate_limit.tool_per_minute).toEqual(new Map([['tool:slow', 5]]));
    expect(config.budget?.ledger).toBe('/var/lib/aip/budget.db');
    expect(() => resolveLayers([environmentLayer({ AIP_PROXY_TRUST_KEYS: KEY, AIP_PROXY_PORT: 'x' })])).toThrow(
      'AIP_PROXY_PORT: must be an integer',
    );
    // The file < environment < flags.
    const layered = resolveLayers([
      { document: { proxy: { trust_keys: [KEY], port: 1 } } },
      environmentLayer({ AIP_PROXY_PORT: '2' }),
      flagsLayer({ '--port': '3' }),
    ]);
    expect(layered.proxy.port).toBe(3);
  });

  it('reads the shared stores of [state], never showing a password in an error', () => {
    const config = resolveConfig({
      ...base,
      state: { redis_url: 'redis://:pw@cache:6379/0', postgres_url: 'postgresql://aip:pw@db/aip', replica_id: 'web-1' },
    });
    expect(config.state).toMatchObject({ redis_url: 'redis://:pw@cache:6379/0', replica_id: 'web-1' });
    expect(resolveConfig(base).state.redis_url).toBeUndefined();
    const bad = () => resolveConfig({ ...base, state: { redis_url: 'http://:sekrit@cache:6379' } });
    expect(bad).toThrow('state.redis_url: must be a redis or rediss URL with a host (got http://:***@cache:6379/)');
    expect(bad).not.toThrow(/sekrit/);
    expect(() => resolveConfig({ ...base, state: { postgres_url: 'redis://db' } })).toThrow(
      'state.postgres_url: must be a postgres or postgresql URL',
    );
    const env = resolveLayers([
      environmentLayer({ AIP_PROXY_TRUST_KEYS: KEY, AIP_PROXY_STATE_POSTGRES_URL: 'postgres://db/aip' }),
    ]);
    expect(env.state.postgres_url).toBe('postgres://db/aip');
  });

  it('derives the flags from the table, the reference ones included', () => {
    const names = flagOptions().map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining(['--upstream', '--port', '--trust-key', '--require-proof', '--stdio', '--metrics-port']),
    );
    const config = resolveLayers([
      flagsLayer({ '--trust-key': [KEY, KEY], '--require-proof': true, '--stdio': ['node', 's.js'] }),
    ]);
    expect(config.proxy.trust_keys).toEqual([KEY, KEY]);
    expect(config.stdio?.command).toEqual(['node', 's.js']);
    expect(() => resolveLayers([flagsLayer({ '--trust-key': ['nope'] })])).toThrow('--trust-key[0]');
  });

  it('keeps what needs a restart and applies the rest on reload', () => {
    const running = resolveConfig({ ...base, budget: { ledger: 'a.db' } });
    const next = resolveConfig({
      proxy: { ...base.proxy, port: 9999 },
      budget: { ledger: 'b.db', costs: { 'tool:*': 1 } },
      pop: { required: true },
      metrics: {},
    });
    const plan = planReload(running, next);
    expect(plan.restart.sort()).toEqual(['[metrics]', 'budget.ledger', 'proxy.port']);
    expect(plan.config.proxy.port).toBe(8080);
    expect(plan.config.budget?.ledger).toBe('a.db');
    expect(plan.config.budget?.costs.get('tool:*')).toBe(1);
    expect(plan.config.pop.required).toBe(true);
    expect(plan.config.metrics).toBeUndefined();
  });

  it('configures an A2A agent: its identity kept as a did:key, its endpoints apart from MCP ones', () => {
    const config = resolveConfig({
      ...base,
      a2a: { agent_did: KEY.slice('did:key:'.length), paths: ['/a2a/jsonrpc'] },
    });
    expect(config.a2a).toEqual({
      agent_did: KEY,
      paths: ['/a2a/jsonrpc'],
      card_paths: ['/.well-known/agent-card.json'],
    });
    expect(resolveConfig(base).a2a).toBeUndefined();
    expect(() => resolveConfig({ ...base, a2a: { paths: ['/a2a'] } })).toThrow('a2a.agent_did: is required');
    expect(() => resolveConfig({ ...base, a2a: { agent_did: KEY } })).toThrow('a2a.paths: is required');
    expect(() => resolveConfig({ ...base, a2a: { agent_did: 'did:web:example.com', paths: ['/a2a'] } })).toThrow(
      'a2a.agent_did',
    );
    expect(() => resolveConfig({ ...base, a2a: { agent_did: KEY, paths: ['/mcp'] } })).toThrow(
      'a2a.paths: /mcp is an MCP endpoint too',
    );
    const env = environmentLayer({ AIP_PROXY_A2A_AGENT_DID: KEY, AIP_PROXY_A2A_PATHS: '/a2a,/a2a/v1' });
    expect(resolveLayers([{ document: base }, env]).a2a?.paths).toEqual(['/a2a', '/a2a/v1']);
  });

  it("keeps the README's reference table equal to the table, and its example file valid", async () => {
    const readmeFile = fileURLToPath(new URL('../README.md', import.meta.url));
    const readme = await readFile(readmeFile, 'utf8');
    const start = '<!-- config-reference:start -->\n';
    const end = '<!-- config-reference:end -->';
    const current = readme.slice(readme.indexOf(start) + start.length, readme.indexOf(end));
    if (process.env.UPDATE_README === '1' && current !== configReference()) {
      const at = readme.indexOf(start) + start.length;
      await writeFile(readmeFile, `${readme.slice(0, at)}${configReference()}${readme.slice(readme.indexOf(end))}`);
    } else {
      expect(current).toBe(configReference());
    }
    // Every key of the table is in the reference; the example TOML resolves.
    for (const [section, spec] of Object.entries(SECTIONS))
      for (const key of Object.keys(spec.keys)) expect(current).toContain(`\`${section}.${key}\``);
    const example = /```toml\n([\s\S]*?)```/.exec(readme)?.[1] as string;
    expect(() => resolveConfig(parseToml(example) as never)).not.toThrow();
  });
});
