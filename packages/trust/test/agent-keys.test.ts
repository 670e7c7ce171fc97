import { didKeyFromId } from '@aip/identity';
import { describe, expect, it } from 'vitest';
import { cachedDidKeyFromId } from '../src/index.js';
import { agent } from './helpers.js';

const alice = agent('alice');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describe('cachedDidKeyFromId', () => {
  it('gives the did:key of every accepted form, as didKeyFromId does, again and again', () => {
    for (const id of [alice.did, alice.aipId, alice.publicKeyMultibase]) {
      expect(cachedDidKeyFromId(id), id).toBe(alice.did);
      expect(cachedDidKeyFromId(id), id).toBe(didKeyFromId(id));
    }
  });

  it('refuses what names no acceptable key, every time (failures are not remembered as answers)', () => {
    for (const id of ['alice', 'did:web:example.com', 'did:key:z6MkBogus']) {
      const first = codeOf(() => cachedDidKeyFromId(id));
      expect(first, id).toMatch(/^aip_(identity_unresolvable|key_invalid)$/);
      expect(
        codeOf(() => cachedDidKeyFromId(id)),
        id,
      ).toBe(first);
    }
  });
});
