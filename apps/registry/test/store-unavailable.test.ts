import { TrustError } from '@aip/trust';
import { describe, expect, it } from 'vitest';
import { RegistryError } from '../src/errors.js';
import { isUnavailable, redactUrl, unavailableAsStoreError } from '../src/store-unavailable.js';

describe('redactUrl', () => {
  it('replaces a password, in the authority or the query string, and keeps the rest', () => {
    expect(redactUrl('postgresql://aip:s3cret@db.internal:5432/aip')).toBe('postgresql://aip:***@db.internal:5432/aip');
    expect(redactUrl('postgres://db/aip?user=aip&password=s3cret')).toBe('postgres://db/aip?user=aip&password=***');
    expect(redactUrl('redis://:s3cret@cache:6379')).toBe('redis://:***@cache:6379');
    expect(redactUrl('redis://cache:6379')).toBe('redis://cache:6379');
  });

  it('shows nothing of a URL it cannot parse', () => {
    expect(redactUrl('aip:s3cret@db')).not.toContain('s3cret');
    expect(redactUrl('not a url s3cret')).toBe('<invalid URL>');
  });
});

describe('unavailableAsStoreError', () => {
  const lost = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

  it('answers aip_store_unavailable, without the driver text, when the database cannot be reached', async () => {
    const refused = unavailableAsStoreError(() => Promise.reject(lost));
    await expect(refused).rejects.toBeInstanceOf(TrustError);
    await expect(refused).rejects.toMatchObject({
      code: 'aip_store_unavailable',
      message: 'the registry database is unavailable; retry later',
    });
    const shutdown = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    await expect(unavailableAsStoreError(() => Promise.reject(shutdown))).rejects.toMatchObject({
      code: 'aip_store_unavailable',
    });
  });

  it('lets a statement error and the registry’s own refusals through as they are', async () => {
    const syntax = Object.assign(new Error('syntax error at or near "SELEC"'), { code: '42601' });
    expect(isUnavailable(syntax)).toBe(false);
    await expect(unavailableAsStoreError(() => Promise.reject(syntax))).rejects.toBe(syntax);
    const outdated = new RegistryError('aip_profile_outdated', 'a profile issued at 1 is already registered');
    await expect(unavailableAsStoreError(() => Promise.reject(outdated))).rejects.toBe(outdated);
  });
});
