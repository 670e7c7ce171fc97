// Session binding: a session belongs to the principal that opened it, for as long as it is used.
import { describe, expect, it } from 'vitest';
import { createSessionBinding } from '../src/session-binding.js';

const MINUTE = 60_000;

describe('session binding', () => {
  it('lets only the owner use a bound session, and lets unknown sessions through', () => {
    const sessions = createSessionBinding({ bind: true, ttlSeconds: 60 });
    sessions.bind('s1', 'alice', 0);
    expect(sessions.allows('s1', 'alice', 1000)).toBe(true);
    expect(sessions.allows('s1', 'mallory', 1000)).toBe(false);
    expect(sessions.allows('never-seen', 'mallory', 1000)).toBe(true);
  });

  it('keeps the first binding while it is live', () => {
    const sessions = createSessionBinding({ bind: true, ttlSeconds: 60 });
    sessions.bind('s1', 'alice', 0);
    sessions.bind('s1', 'mallory', 1000);
    expect(sessions.allows('s1', 'mallory', 2000)).toBe(false);
    expect(sessions.allows('s1', 'alice', 2000)).toBe(true);
  });

  it('refuses everyone once a binding has gone unused past its TTL, until the session is opened again', () => {
    const sessions = createSessionBinding({ bind: true, ttlSeconds: 60 });
    sessions.bind('s1', 'alice', 0);
    expect(sessions.allows('s1', 'alice', 59_000)).toBe(true); // use refreshes it
    expect(sessions.allows('s1', 'alice', 59_000 + MINUTE - 1)).toBe(true);
    expect(sessions.allows('s1', 'alice', 59_000 + 3 * MINUTE)).toBe(false);
    expect(sessions.allows('s1', 'mallory', 59_000 + 3 * MINUTE)).toBe(false);
    sessions.bind('s1', 'bob', 59_000 + 3 * MINUTE);
    expect(sessions.allows('s1', 'bob', 59_000 + 3 * MINUTE)).toBe(true);
  });

  it('forgets a deleted session, and binds nothing when binding is off', () => {
    const sessions = createSessionBinding({ bind: true, ttlSeconds: 60 });
    sessions.bind('s1', 'alice', 0);
    sessions.forget('s1');
    expect(sessions.allows('s1', 'bob', 0)).toBe(true);
    const off = createSessionBinding({ bind: false, ttlSeconds: 60 });
    off.bind('s1', 'alice', 0);
    expect(off.allows('s1', 'mallory', 0)).toBe(true);
  });
});
