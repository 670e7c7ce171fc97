import { Pool } from 'undici';
import { describe, expect, it } from 'vitest';
import { createHealth } from '../src/lifecycle/health.js';
import { fakeWorld, fixedClock } from './helpers/fake-context.js';

describe('readiness', () => {
  it('names each check: an unreachable upstream and an unwritable audit log make the proxy not ready', async () => {
    const world = fakeWorld();
    const pool = new Pool('http://127.0.0.1:9');
    let writable = true;
    const health = createHealth({
      pool,
      auditLog: { write() {}, healthy: () => writable, close() {} },
      ledger: undefined,
      policy: () => world.services.policy(),
      clock: fixedClock(),
    });
    expect(await health.ready()).toEqual({
      ready: false,
      checks: { upstream: 'unreachable', audit_log: 'ok' },
    });
    writable = false;
    expect((await health.ready()).checks.audit_log).toBe('cannot be written');
    await pool.close();
  });
});
