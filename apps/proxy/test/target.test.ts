import { describe, expect, it } from 'vitest';
import { formatTarget, parseTarget } from '../src/request/target.js';

describe('the request target, read once', () => {
  it('decodes segments and query strictly, and re-encodes them one way', () => {
    const parsed = parseTarget('/mcp/web%20search/%C3%A9?q=a+b&x=%2B&flag');
    expect(parsed).toMatchObject({
      ok: true,
      target: {
        segments: ['mcp', 'web search', 'é'],
        path: '/mcp/web%20search/%C3%A9',
        query: [
          ['q', 'a b'],
          ['x', '+'],
          ['flag', ''],
        ],
      },
    });
    if (parsed.ok)
      expect(formatTarget(parsed.target.path, parsed.target.query)).toBe(
        '/mcp/web%20search/%C3%A9?q=a%20b&x=%2B&flag=',
      );
  });

  it('refuses every spelling two routers could read differently', () => {
    for (const raw of [
      'http://host/mcp',
      '//host/mcp',
      '*',
      '/a//b',
      '/a/./b',
      '/a/%2e%2E/b',
      '/a%2Fb',
      '/a%5Cb',
      '/a\\b',
      '/a;jsessionid=x',
      '/a?x=1;sessionId=2',
      '/a%252e',
      '/a%00',
      '/a%E0%A4%A',
      '/a?b=%ZZ',
      '/a#frag',
      '/a%0d%0aX-Injected:1',
    ]) {
      expect(parseTarget(raw).ok, raw).toBe(false);
    }
  });
});
