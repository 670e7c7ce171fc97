import { encodeBase64Url, generateIdentity } from '@aip/identity';
import { TrustError } from '@aip/trust';
import { describe, expect, it } from 'vitest';
import {
  ChallengeBook,
  createProfile,
  createRegistration,
  parseProfile,
  parseRegistration,
  RegistryError,
  verifyProfile,
  verifyRegistration,
} from '../src/index.js';
import { NOW } from './helpers.js';

const agent = generateIdentity();
const other = generateIdentity();
const profile = createProfile(agent, {
  name: 'scout',
  description: 'searches the web\nand summarises',
  endpoints: ['https://scout.example/mcp'],
  now: NOW,
});

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof RegistryError || err instanceof TrustError) return err.code;
    throw err;
  }
  throw new Error('did not throw');
}

describe('aip-profile/1', () => {
  it('signs a profile its did verifies, with a stable id', () => {
    const verified = verifyProfile(profile, { now: NOW });
    expect(verified.profile).toEqual(profile);
    expect(verified.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(verifyProfile(JSON.parse(JSON.stringify(profile)), { now: NOW }).id).toBe(verified.id);
    expect(Object.keys(profile).sort()).toEqual([
      'description',
      'did',
      'endpoints',
      'iat',
      'name',
      'signature',
      'type',
    ]);
  });

  it('signs a self-asserted platform claim with the rest, so it cannot be swapped', () => {
    const claimed = createProfile(agent, { name: 'scout', platform: 'github/myrepo', now: NOW });
    expect(verifyProfile(claimed, { now: NOW }).profile.platform).toBe('github/myrepo');
    expect(codeOf(() => verifyProfile({ ...claimed, platform: 'github/other' }, { now: NOW }))).toBe(
      'aip_signature_invalid',
    );
  });

  it('refuses a tampered profile and one signed by another key', () => {
    expect(codeOf(() => verifyProfile({ ...profile, name: 'impostor' }, { now: NOW }))).toBe('aip_signature_invalid');
    const forged = { ...createProfile(other, { name: 'scout', now: NOW }), did: agent.did };
    expect(codeOf(() => verifyProfile(forged, { now: NOW }))).toBe('aip_signature_invalid');
  });

  it('refuses a profile issued beyond the clock skew', () => {
    const future = createProfile(agent, { name: 'scout', now: NOW + 3600 });
    expect(codeOf(() => verifyProfile(future, { now: NOW }))).toBe('aip_object_not_yet_valid');
    expect(verifyProfile(future, { now: NOW + 3600 - 300 }).profile.iat).toBe(NOW + 3600);
  });

  it.each([
    ['an unknown field', { extra: 1 }],
    ['another type', { type: 'aip-vouch/1' }],
    ['a did that is not did:key', { did: 'did:web:example.com' }],
    ['a did:key with a bad key', { did: 'did:key:z6MkBogus' }],
    ['an empty name', { name: '' }],
    ['a blank name', { name: '   ' }],
    ['a name over 64 characters', { name: 'x'.repeat(65) }],
    ['a control character in the name', { name: 'evil\u0007' }],
    ['a line separator in the description', { description: 'a\u2028b' }],
    ['a description over 1024 characters', { description: 'x'.repeat(1025) }],
    ['endpoints that are not a list', { endpoints: 'https://a.example' }],
    ['nine endpoints', { endpoints: Array.from({ length: 9 }, (_, i) => `https://a${i}.example`) }],
    ['a non-http endpoint', { endpoints: ['ftp://a.example'] }],
    ['a javascript: endpoint', { endpoints: ['javascript:alert(1)'] }],
    ['an endpoint with credentials', { endpoints: ['https://user:pw@a.example'] }],
    ['a repeated endpoint', { endpoints: ['https://a.example', 'https://a.example'] }],
    ['a platform claim with a space', { platform: 'github/my repo' }],
    ['a platform claim without an account', { platform: 'github' }],
    ['a platform claim that is not a string', { platform: 42 }],
    ['a fractional iat', { iat: NOW + 0.5 }],
    ['a short signature', { signature: encodeBase64Url(new Uint8Array(32)) }],
  ])('refuses %s before any cryptography (aip_profile_malformed)', (_what, change) => {
    expect(codeOf(() => parseProfile({ ...profile, ...change }))).toBe('aip_profile_malformed');
    expect(codeOf(() => verifyProfile({ ...profile, ...change }, { now: NOW }))).toBe('aip_profile_malformed');
  });

  it('refuses to create a malformed profile', () => {
    expect(codeOf(() => createProfile(agent, { name: '' }))).toBe('aip_profile_malformed');
  });
});

describe('aip-registration/1 and challenges', () => {
  const { id } = verifyProfile(profile, { now: NOW });

  it('answers a challenge with a signature over it and the profile id', async () => {
    const book = new ChallengeBook();
    const issued = await book.issue(agent.did, NOW);
    expect(issued).toEqual({
      challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      did: agent.did,
      expires_at: NOW + 120,
    });
    const registration = createRegistration(agent, { challenge: issued.challenge, profile: id, now: NOW });
    expect(verifyRegistration(registration)).toEqual(registration);
    await book.consume(issued.challenge, agent.did, NOW + 10);
    expect(book.size).toBe(0);
  });

  it('uses each challenge once, refuses it late or for another agent', async () => {
    const book = new ChallengeBook({ ttl: 60 });
    const once = (await book.issue(agent.did, NOW)).challenge;
    await book.consume(once, agent.did, NOW);
    await expect(book.consume(once, agent.did, NOW)).rejects.toMatchObject({ code: 'aip_challenge_invalid' });
    const late = (await book.issue(agent.did, NOW)).challenge;
    await expect(book.consume(late, agent.did, NOW + 60)).rejects.toMatchObject({ code: 'aip_challenge_invalid' });
    const theirs = (await book.issue(other.did, NOW)).challenge;
    await expect(book.consume(theirs, agent.did, NOW)).rejects.toMatchObject({ code: 'aip_challenge_invalid' });
    await expect(book.consume('A'.repeat(43), agent.did, NOW)).rejects.toMatchObject({
      code: 'aip_challenge_invalid',
    });
  });

  it('keeps at most `capacity` open challenges, dropping the oldest', async () => {
    const book = new ChallengeBook({ capacity: 3 });
    const first = (await book.issue(agent.did, NOW)).challenge;
    for (let i = 0; i < 3; i++) await book.issue(agent.did, NOW);
    expect(book.size).toBe(3);
    await expect(book.consume(first, agent.did, NOW)).rejects.toMatchObject({ code: 'aip_challenge_invalid' });
  });

  it('refuses a forged or malformed registration', () => {
    const registration = createRegistration(agent, { challenge: encodeBase64Url(new Uint8Array(32)), profile: id });
    expect(codeOf(() => verifyRegistration({ ...registration, profile: 'B'.repeat(43) }))).toBe(
      'aip_signature_invalid',
    );
    expect(codeOf(() => parseRegistration({ ...registration, challenge: 'short' }))).toBe('aip_registration_malformed');
    expect(codeOf(() => parseRegistration({ ...registration, profile: 'not an id' }))).toBe(
      'aip_registration_malformed',
    );
    expect(codeOf(() => parseRegistration({ ...registration, extra: true }))).toBe('aip_registration_malformed');
    expect(codeOf(() => parseRegistration([]))).toBe('aip_registration_malformed');
  });
});
