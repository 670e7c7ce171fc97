import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  canonicalize,
  createInception,
  createRotation,
  decodeBase64Url,
  type IdentityError,
  KEY_EVENT_TYPE,
  type KeyEvent,
  keyCommitment,
  keyEventId,
  parseKeyEvent,
  signingInput,
  verify,
  verifyKeyEvent,
} from '../src/index.js';
import { keys, pinnedEvents, T0, thief } from './fixtures/key-event-lineage.js';

interface Vectors {
  keys: Record<string, { seed: number; did: string }>;
  events: Record<string, { event: KeyEvent; id: string; canonical: string; signerCommitment: string }>;
}
const vectors = JSON.parse(readFileSync(new URL('./fixtures/key-events.json', import.meta.url), 'utf8')) as Vectors;

/** The pinned event `name` (the file must hold it). */
function vector(name: string): KeyEvent {
  const found = vectors.events[name];
  if (found === undefined) throw new Error(`no vector ${name}`);
  return found.event;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as IdentityError).code;
  }
  return undefined;
}

describe('key event vectors', () => {
  it('rebuilds every pinned event byte for byte from its seeds', () => {
    const events = pinnedEvents();
    expect(Object.keys(events).sort()).toEqual(Object.keys(vectors.events).sort());
    for (const [name, vector] of Object.entries(vectors.events)) {
      expect(events[name], name).toEqual(vector.event);
    }
    expect(keys.k0.did).toBe(vectors.keys.k0?.did);
    expect(thief.did).toBe(vectors.keys.thief?.did);
  });

  it.each(Object.entries(vectors.events))(
    'verifies %s with its pinned id, canonical text and signer commitment',
    (_, v) => {
      const verified = verifyKeyEvent(v.event);
      expect(verified.id).toBe(v.id);
      expect(keyEventId(v.event)).toBe(v.id);
      expect(verified.canonical).toBe(v.canonical);
      expect(verified.signerCommitment).toBe(v.signerCommitment);
    },
  );

  it('commits to the next key as base64url SHA-256 of its raw public key', () => {
    const inception = vector('inception') as Extract<KeyEvent, { event: 'inception' }>;
    expect(inception.next).toBe(keyCommitment(keys.k1.publicKey));
    expect(inception.next).toBe(createHash('sha256').update(keys.k1.publicKey).digest('base64url'));
  });

  it('signs "aip-signature-v1" NUL "aip-key-event/1" NUL and the canonical form without the signature', () => {
    const { signature, ...unsigned } = vector('rotation1') as KeyEvent;
    const input = signingInput(KEY_EVENT_TYPE, unsigned);
    expect(Buffer.from(input.subarray(0, 33)).toString('latin1')).toBe('aip-signature-v1\u0000aip-key-event/1\u0000');
    expect(Buffer.from(input.subarray(33)).toString('utf8')).toBe(canonicalize(unsigned));
    expect(verify(decodeBase64Url(signature) as Uint8Array, input, keys.k1.publicKey)).toBe(true);
  });
});

describe('parseKeyEvent', () => {
  const good = () => structuredClone(vector('rotation1')) as unknown as Record<string, unknown>;

  it.each([
    ['a non-object', 'x'],
    ['an array', []],
    ['another type', { ...good(), type: 'aip-vouch/1' }],
    ['an unknown event', { ...good(), event: 'rename' }],
    ['an unknown field', { ...good(), extra: 1 }],
    ['a field of another event', { ...good(), reason: 'x' }],
    ['a bad did', { ...good(), key: 'did:web:example.com' }],
    ['a did that names no acceptable key', { ...good(), key: 'did:key:z6Mk' }],
    ['a rotation to the same key', { ...good(), key: good().prior }],
    ['a short commitment', { ...good(), next: 'AAAA' }],
    ['a padded commitment', { ...good(), next: `${good().next}=` }],
    ['a bad prev', { ...good(), prev: 'not an id' }],
    ['a fractional iat', { ...good(), iat: 1.5 }],
    ['a negative iat', { ...good(), iat: -1 }],
    ['a short signature', { ...good(), signature: 'AAAA' }],
    ['a missing signature', { ...good(), signature: undefined }],
  ])('refuses %s as aip_key_event_malformed', (_, value) => {
    expect(codeOf(() => parseKeyEvent(value))).toBe('aip_key_event_malformed');
  });

  it('refuses a revocation reason that is empty, too long or holds control characters', () => {
    const revocation = vector('revocationByNext') as unknown as Record<string, unknown>;
    for (const reason of ['', 'x'.repeat(257), 'a\nb', 7]) {
      expect(codeOf(() => parseKeyEvent({ ...revocation, reason }))).toBe('aip_key_event_malformed');
    }
  });

  it('refuses oversize and non-JSON text before parsing it', () => {
    expect(codeOf(() => parseKeyEvent('x'.repeat(5000)))).toBe('aip_key_event_malformed');
    expect(codeOf(() => parseKeyEvent('{'))).toBe('aip_key_event_malformed');
    expect(parseKeyEvent(JSON.stringify(vector('inception'))).event).toBe('inception');
  });
});

describe('verifyKeyEvent', () => {
  it('refuses any changed member with aip_signature_invalid', () => {
    const inception = vector('inception') as Extract<KeyEvent, { event: 'inception' }>;
    const changed = { ...inception, next: keyCommitment(thief.publicKey) };
    expect(codeOf(() => verifyKeyEvent(changed))).toBe('aip_signature_invalid');
    expect(codeOf(() => verifyKeyEvent({ ...inception, iat: inception.iat + 1 }))).toBe('aip_signature_invalid');
  });

  it('refuses a revocation whose signer field was swapped', () => {
    const revocation = vector('revocationByNext') as Extract<KeyEvent, { event: 'revocation' }>;
    expect(codeOf(() => verifyKeyEvent({ ...revocation, signer: keys.k0.did }))).toBe('aip_signature_invalid');
  });

  it('checks the schema before any cryptography (a malformed event with a good signature is malformed)', () => {
    const inception = vector('inception') as unknown as Record<string, unknown>;
    expect(codeOf(() => verifyKeyEvent({ ...inception, note: 'x' }))).toBe('aip_key_event_malformed');
  });
});

describe('createRotation', () => {
  it('refuses a successor that is not the committed next key (a thief cannot rotate)', () => {
    const inception = createInception(keys.k0, { next: keys.k1.publicKey, now: T0 });
    expect(codeOf(() => createRotation(thief, { established: inception, next: thief.publicKey }))).toBe(
      'aip_key_event_unauthorized',
    );
    expect(codeOf(() => createRotation(keys.k0, { established: inception, next: thief.publicKey }))).toBe(
      'aip_key_event_unauthorized',
    );
  });
});
