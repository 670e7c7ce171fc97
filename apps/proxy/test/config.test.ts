import { generateIdentity } from '@aip/identity';
import { describe, expect, it } from 'vitest';
import { type ProxyConfigError, resolveConfig } from '../src/index.js';

const key = generateIdentity().publicKeyMultibase;

function keyOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as ProxyConfigError).key;
  }
  return undefined;
}

describe('proxy configuration', () => {
  it('reads the reference TOML keys, every one honoured, with the reference defaults', () => {
    const config = resolveConfig({
      proxy: { upstream: 'http://localhost:3000', port: 9090, trust_keys: [key] },
      audit: { max_ttl_seconds: 600, max_budget_usd: 2.5 },
      logging: { log_file: '/tmp/audit.jsonl' },
    });
    expect(config).toMatchObject({
      upstream: new URL('http://localhost:3000'),
      port: 9090,
      host: '127.0.0.1',
      trustKeys: [key],
      logFile: '/tmp/audit.jsonl',
    });
    expect(config.audit).toEqual({ maxTtlSeconds: 600, maxBudgetUsd: 2.5, maxChainDepth: 5, enforce: false });
    expect(resolveConfig({ proxy: { trust_keys: [key] } })).toMatchObject({
      upstream: new URL('http://localhost:3000'),
      port: 8080,
      audit: { maxTtlSeconds: 3600, maxBudgetUsd: 10 },
    });
  });

  it('lets flags override the file', () => {
    const other = generateIdentity().did;
    const config = resolveConfig(
      { proxy: { upstream: 'http://a:1', port: 1, trust_keys: [key] }, logging: { log_file: 'x' } },
      { upstream: 'http://b:2', port: 2, trustKeys: [other], logFile: 'y' },
    );
    expect(config).toMatchObject({ upstream: new URL('http://b:2'), port: 2, trustKeys: [other], logFile: 'y' });
  });

  it('refuses invalid or unknown keys, naming the key', () => {
    const base = { proxy: { trust_keys: [key] } };
    expect(keyOf(() => resolveConfig({ proxy: { ...base.proxy, port: 70000 } }))).toBe('proxy.port');
    expect(keyOf(() => resolveConfig({ proxy: { ...base.proxy, port: '8080' } }))).toBe('proxy.port');
    expect(keyOf(() => resolveConfig({ proxy: { ...base.proxy, upstream: 'ftp://x' } }))).toBe('proxy.upstream');
    expect(keyOf(() => resolveConfig({ proxy: { ...base.proxy, upstream: 'http://x:3000/mcp' } }))).toBe(
      'proxy.upstream',
    );
    expect(keyOf(() => resolveConfig({ proxy: { ...base.proxy, upstream: 'not a url' } }))).toBe('proxy.upstream');
    expect(keyOf(() => resolveConfig({ proxy: { trust_keys: [key, 'zNotAKey'] } }))).toBe('proxy.trust_keys[1]');
    expect(keyOf(() => resolveConfig({ proxy: { trust_keys: key } }))).toBe('proxy.trust_keys');
    expect(keyOf(() => resolveConfig({}))).toBe('proxy.trust_keys');
    expect(keyOf(() => resolveConfig({ ...base, proxy: { ...base.proxy, prot: 1 } }))).toBe('proxy.prot');
    expect(keyOf(() => resolveConfig({ ...base, extra: {} }))).toBe('extra');
    expect(keyOf(() => resolveConfig({ ...base, audit: { max_ttl_seconds: -1 } }))).toBe('audit.max_ttl_seconds');
    expect(keyOf(() => resolveConfig({ ...base, audit: { max_budget_usd: 'ten' } }))).toBe('audit.max_budget_usd');
    expect(keyOf(() => resolveConfig({ ...base, audit: { enforce: ['nope'] } }))).toBe('audit.enforce');
    expect(keyOf(() => resolveConfig({ ...base, logging: { log_file: '' } }))).toBe('logging.log_file');
    expect(keyOf(() => resolveConfig(base, { port: -1 }))).toBe('--port');
    expect(keyOf(() => resolveConfig(base, { trustKeys: ['bad'] }))).toBe('--trust-key[0]');
  });

  it('accepts enforcement of chosen audit warnings', () => {
    expect(
      resolveConfig({ proxy: { trust_keys: [key] }, audit: { enforce: ['ttl_exceeds_max'] } }).audit.enforce,
    ).toEqual(['ttl_exceeds_max']);
  });
});
