import { isValidScope } from '@aip/token';
import { describe, expect, it } from 'vitest';
import { assertScope, createVouch, verifyVouch } from '../src/index.js';
import { agent, NOW } from './helpers.js';

const alice = agent('alice');
const bob = agent('bob');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describe('assertScope', () => {
  it("accepts exactly the token grammar's scopes", () => {
    for (const scope of ['*', 'tool:search', 'tool:github.*', 'resource:file:///a/*', 'tool:git*', 'x-y_z:1']) {
      expect(isValidScope(scope), scope).toBe(true);
      expect(
        codeOf(() => assertScope(scope)),
        scope,
      ).toBeUndefined();
    }
  });

  it('refuses with aip_scope_invalid what the token grammar refuses (non-ASCII included)', () => {
    for (const scope of ['', 'tool', 'tool:', 'Tool:x', 'tool:a b', 'tool:café', 'tool:a\u2028', '**', 42, null]) {
      expect(isValidScope(scope), String(scope)).toBe(false);
      expect(
        codeOf(() => assertScope(scope)),
        String(scope),
      ).toBe('aip_scope_invalid');
    }
  });

  it('signs and verifies vouches in every scope a token can carry, and no other', () => {
    const literal = createVouch(alice, { subject: bob.did, scope: 'tool:git*', now: NOW });
    expect(verifyVouch(literal, { now: NOW }).vouch.scope).toBe('tool:git*');
    expect(codeOf(() => createVouch(alice, { subject: bob.did, scope: 'tool:café', now: NOW }))).toBe(
      'aip_scope_invalid',
    );
  });
});
