import { describe, expect, it } from 'vitest';
import {
  isScopeSubset,
  isValidScope,
  isWildcardScope,
  patternCovers,
  scopeAllows,
  scopeMatches,
} from '../src/index.js';

describe('scope matcher', () => {
  const table: [string, string, boolean][] = [
    ['*', 'tool:anything', true],
    ['*', 'resource:file:///etc/passwd', true],
    ['tool:search', 'tool:search', true],
    ['tool:search', 'tool:search2', false],
    ['tool:search', 'tool:searc', false],
    ['tool:*', 'tool:search', true],
    ['tool:*', 'tool:github.create_issue', true],
    ['tool:*', 'resource:x', false],
    ['tool:*', 'toolx:search', false],
    ['tool:github.*', 'tool:github.create_issue', true],
    ['tool:github.*', 'tool:githubx', false],
    ['tool:github.*', 'tool:github', false],
    ['tool:crypto.*', 'tool:crypto.price', true],
    ['tool:crypto.*', 'tool:cryptocurrency', false],
    ['resource:file:///docs/*', 'resource:file:///docs/a/b.txt', true],
    ['resource:file:///docs/*', 'resource:file:///docsecret', false],
    ['tool:git*', 'tool:github', false], // "*" not after a separator: an exact scope
    ['tool:git*', 'tool:git*', true],
    ['prompt:summarize', 'prompt:summarize', true],
  ];
  for (const [granted, required, expected] of table) {
    it(`${granted} ${expected ? 'matches' : 'does not match'} ${required}`, () => {
      expect(scopeMatches(granted, required)).toBe(expected);
    });
  }

  it('allows when any granted pattern matches', () => {
    expect(scopeAllows(['tool:search', 'resource:*'], 'resource:file:///a')).toBe(true);
    expect(scopeAllows(['tool:search'], 'tool:fetch')).toBe(false);
  });

  it('orders patterns for attenuation (child within parent)', () => {
    const covers: [string, string, boolean][] = [
      ['*', '*', true],
      ['*', 'tool:*', true],
      ['tool:*', '*', false],
      ['tool:*', 'tool:github.*', true],
      ['tool:github.*', 'tool:*', false],
      ['tool:search', 'tool:*', false],
      ['tool:*', 'tool:search', true],
      ['tool:github.*', 'tool:github.issues.*', true],
      ['tool:github.*', 'tool:githubx.*', false],
      ['tool:search', 'tool:search', true],
      ['tool:*', 'tool:git*', true],
    ];
    for (const [parent, child, expected] of covers)
      expect(patternCovers(parent, child), `${parent} ⊇ ${child}`).toBe(expected);
    expect(isScopeSubset(['tool:*', 'prompt:a'], ['tool:x', 'prompt:a'])).toBe(true);
    expect(isScopeSubset(['tool:x'], ['tool:x', 'prompt:a'])).toBe(false);
  });

  it('validates scope syntax', () => {
    for (const s of ['*', 'tool:search', 'resource:file:///a/b', 'prompt:x.y', 'tool:github.*'])
      expect(isValidScope(s), s).toBe(true);
    for (const s of ['', 'search', 'Tool:x', 'tool:', 'tool: x', 'tool:a\nb', ':x', `tool:${'a'.repeat(300)}`, '**']) {
      expect(isValidScope(s), JSON.stringify(s)).toBe(false);
    }
    expect(isWildcardScope('tool:*')).toBe(true);
    expect(isWildcardScope('tool:git*')).toBe(false);
  });
});
