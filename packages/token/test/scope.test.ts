import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  coveringPatterns,
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

  it('validates scope syntax: visible ASCII, a "*" anywhere but a wildcard only after a separator', () => {
    for (const s of [
      '*',
      'tool:search',
      'resource:file:///a/b',
      'prompt:x.y',
      'tool:github.*',
      'resource:file:///a/*',
      'x-y_z:1',
      'tool:git*',
      'tool:*x',
      'tool:a.*.b',
      `tool:${'a'.repeat(251)}`,
    ])
      expect(isValidScope(s), s).toBe(true);
    for (const s of [
      '',
      'search',
      'Tool:x',
      'tool:',
      'tool: x',
      'tool:a\nb',
      'tool:a\u0000',
      'tool:a\u007f',
      'tool:café',
      'tool:a\u2028',
      ':x',
      `tool:${'a'.repeat(252)}`,
      '**',
      42,
      null,
      undefined,
    ]) {
      expect(isValidScope(s), JSON.stringify(s)).toBe(false);
    }
    expect(isWildcardScope('tool:*')).toBe(true);
    expect(isWildcardScope('tool:git*')).toBe(false);
  });

  it('lists the patterns covering a scope, itself first', () => {
    expect(coveringPatterns('tool:github.create_issue')).toEqual([
      'tool:github.create_issue',
      '*',
      'tool:*',
      'tool:github.*',
    ]);
    expect(coveringPatterns('*')).toEqual(['*']);
    expect(coveringPatterns('tool:*')).toEqual(['tool:*', '*']);
    expect(coveringPatterns('tool:git*')).toEqual(['tool:git*', '*', 'tool:*']);
    expect(coveringPatterns('resource:file:///a')).toEqual([
      'resource:file:///a',
      '*',
      'resource:*',
      'resource:file:*',
      'resource:file:/*',
      'resource:file://*',
      'resource:file:///*',
    ]);
  });
});

// Scopes over a tiny alphabet, so that prefixes, separators and literal stars collide often.
const SEPARATORS = [':', '.', '/'] as const;
const concreteArb = fc
  .tuple(
    fc.constantFrom('tool', 'resource'),
    fc.array(fc.tuple(fc.constantFrom(...SEPARATORS), fc.constantFrom('a', 'b', 'ab', '*', 'a*')), {
      minLength: 0,
      maxLength: 3,
    }),
    fc.constantFrom('a', 'b', 'ab'),
  )
  .map(([kind, parts, last]) => `${kind}:${parts.map(([sep, part]) => `${part}${sep}`).join('')}${last}`);
const patternArb = fc.oneof(
  concreteArb,
  concreteArb.map((s) => `${s.slice(0, s.lastIndexOf(':') + 1)}*`),
  fc.tuple(concreteArb, fc.constantFrom(...SEPARATORS)).map(([s, sep]) => `${s}${sep}*`),
  fc.constant('*'),
);

describe('scope properties (generated scopes)', () => {
  it('generates scopes the grammar accepts', () => {
    fc.assert(fc.property(patternArb, (p) => isValidScope(p)));
  });

  it('matches a concrete scope exactly when the pattern covers it', () => {
    fc.assert(fc.property(patternArb, concreteArb, (p, s) => scopeMatches(p, s) === patternCovers(p, s)));
  });

  it('lists as covering patterns exactly the patterns that cover a scope', () => {
    fc.assert(fc.property(patternArb, patternArb, (p, s) => coveringPatterns(s).includes(p) === patternCovers(p, s)));
  });

  it('never lets attenuation widen: every scope a covered child matches, its parent matches', () => {
    fc.assert(
      fc.property(patternArb, patternArb, concreteArb, (parent, child, s) => {
        fc.pre(patternCovers(parent, child) && scopeMatches(child, s));
        return scopeMatches(parent, s);
      }),
    );
  });

  it('orders patterns: reflexive and transitive', () => {
    fc.assert(
      fc.property(patternArb, patternArb, patternArb, (a, b, c) => {
        if (!patternCovers(a, a)) return false;
        return !(patternCovers(a, b) && patternCovers(b, c)) || patternCovers(a, c);
      }),
    );
  });

  it('takes a set of child patterns as a subset exactly when each one is covered', () => {
    fc.assert(
      fc.property(fc.array(patternArb, { maxLength: 4 }), fc.array(patternArb, { maxLength: 4 }), (parent, child) => {
        const each = child.every((c) => parent.some((p) => patternCovers(p, c)));
        return isScopeSubset(parent, child) === each;
      }),
    );
  });
});
