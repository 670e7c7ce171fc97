import { generateIdentity } from '@aip/identity';
import { delegate, issueToken } from '@aip/token';
import { describe, expect, it } from 'vitest';
import { TokenSource, tokenTimes } from '../../src/connect/token-source.js';

const operator = generateIdentity();
const agent = generateIdentity();
const T0 = 1_764_000_000;

/** A clock that stands still, and timers that fire only when asked. */
function manualTime() {
  let now = T0 * 1000;
  const timers: { at: number; fn: () => void }[] = [];
  return {
    now: () => now,
    schedule(fn: () => void, ms: number) {
      const timer = { at: now + ms, fn };
      timers.push(timer);
      return () => timers.splice(timers.indexOf(timer), 1);
    },
    /** Moves to `seconds` after T0, firing what falls due. */
    async advanceTo(seconds: number) {
      now = (T0 + seconds) * 1000;
      for (const timer of timers.splice(0).filter((t) => t.at <= now)) timer.fn();
      await new Promise((r) => setImmediate(r));
    },
    pending: () => timers.map((t) => (t.at - T0 * 1000) / 1000),
  };
}

const token = (now: number, ttl: number, scope = ['tool:search']) =>
  issueToken(operator, { sub: agent.did, scope, ttl, now });

describe('token source', () => {
  it("renews once a third of the newest segment's lifetime is left, within 1 to 60 s of expiry", () => {
    expect(tokenTimes(token(T0, 5))).toEqual({ expiresAt: T0 + 5, renewAt: T0 + 5 - 5 / 3 });
    expect(tokenTimes(token(T0, 3600))).toEqual({ expiresAt: T0 + 3600, renewAt: T0 + 3540 });
    expect(tokenTimes(token(T0, 2))).toEqual({ expiresAt: T0 + 2, renewAt: T0 + 1 });
    // A chain expires with its earliest segment; its newest link sets the pace.
    const parent = issueToken(operator, { sub: agent.did, scope: ['*'], ttl: 600, maxDepth: 1, now: T0 });
    const chain = delegate(parent, agent, {
      to: operator.did,
      scope: ['tool:x'],
      context: 'c',
      ttl: 30,
      now: T0 + 100,
    });
    expect(tokenTimes(chain)).toEqual({ expiresAt: T0 + 130, renewAt: T0 + 120 });
  });

  it('runs the command again before each token expires, ahead of any request', async () => {
    const time = manualTime();
    const runs: number[] = [];
    const source = new TokenSource({
      origin: { kind: 'command', command: 'issue' },
      now: time.now,
      schedule: time.schedule,
      runCommand: async () => {
        runs.push(time.now() / 1000 - T0);
        return `${token(time.now() / 1000, 6)}\n`;
      },
    });
    await source.start();
    const first = source.current();
    expect(source.expiresAt).toBe(T0 + 6);
    expect(time.pending()).toEqual([4]);
    await time.advanceTo(4);
    expect(source.current()).not.toBe(first);
    expect(source.expiresAt).toBe(T0 + 10);
    await time.advanceTo(8);
    expect(runs).toEqual([0, 4, 8]);
    expect(await source.fresh()).toBe(source.current());
    expect(runs).toHaveLength(3);
    expect(source.describe()).toBe('the token from --token-command');
  });

  it('keeps the token it has when the command fails, and backs off', async () => {
    const time = manualTime();
    let fail = false;
    let runs = 0;
    const warnings: string[] = [];
    const source = new TokenSource({
      origin: { kind: 'command', command: 'issue' },
      now: time.now,
      schedule: time.schedule,
      log: { info() {}, warn: (m) => warnings.push(m) },
      runCommand: async () => {
        runs++;
        if (fail) throw new Error('exited with 1');
        return token(time.now() / 1000, 30);
      },
    });
    await source.start();
    const first = source.current();
    fail = true;
    await time.advanceTo(20);
    expect(source.current()).toBe(first);
    expect(warnings).toEqual(['could not renew the token from --token-command: the command exited with 1']);
    // Requests in the back-off window do not run it again.
    await source.fresh();
    await source.fresh();
    expect(runs).toBe(2);
    expect(time.pending()).toEqual([21]);
    fail = false;
    await time.advanceTo(21);
    expect(source.current()).not.toBe(first);
  });

  it('accepts only AIP tokens it may use, from text or --json output', async () => {
    const other = issueToken(operator, { sub: operator.did, scope: ['tool:x'], ttl: 60 });
    const start = (text: string) =>
      new TokenSource({
        origin: { kind: 'file', path: '/tokens/agent' },
        readText: async () => text,
        refuse: (t) => (t === other ? 'held by someone else' : undefined),
      }).start();
    await expect(start('not a token')).rejects.toThrow('the token in /tokens/agent: that is not an AIP token');
    await expect(start(other)).rejects.toThrow('the token in /tokens/agent: held by someone else');
    await expect(start(JSON.stringify({ token: token(T0, 60), claims: {} }))).resolves.toBeUndefined();
    await expect(new TokenSource({ origin: { kind: 'env', name: 'AIP_TEST_TOKEN' }, env: {} }).start()).rejects.toThrow(
      'the token in $AIP_TEST_TOKEN: $AIP_TEST_TOKEN is not set',
    );
  });

  it('never asks an environment variable twice, and says when its token expired', async () => {
    const time = manualTime();
    const warnings: string[] = [];
    const source = new TokenSource({
      origin: { kind: 'env', name: 'AIP_TOKEN' },
      env: { AIP_TOKEN: token(T0, 10) },
      now: time.now,
      schedule: time.schedule,
      log: { info() {}, warn: (m) => warnings.push(m) },
    });
    await source.start();
    expect(source.renewable).toBe(false);
    expect(await source.renew()).toBe(false);
    await time.advanceTo(10);
    expect(warnings).toEqual([`the token in $AIP_TOKEN expired at ${new Date((T0 + 10) * 1000).toISOString()}`]);
  });
});
