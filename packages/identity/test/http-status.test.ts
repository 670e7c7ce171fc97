import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  HTTP_STATUS,
  httpStatusOf,
  isAipErrorCode,
  isWireErrorCode,
  LOCAL_ERROR_CODES,
  UNKNOWN_CODE_STATUS,
} from '../src/index.js';

const every = [...new Set(Object.values(ERROR_CODES).flat())];

describe('the code table', () => {
  it('gives every code either an HTTP status (4xx/5xx) or marks it local, never both', () => {
    for (const code of every) {
      const local = (LOCAL_ERROR_CODES as readonly string[]).includes(code);
      expect(isWireErrorCode(code) !== local, code).toBe(true);
      if (!local) expect(HTTP_STATUS[code as keyof typeof HTTP_STATUS], code).toBeGreaterThanOrEqual(400);
      if (!local) expect(HTTP_STATUS[code as keyof typeof HTTP_STATUS], code).toBeLessThan(600);
    }
    expect(Object.keys(HTTP_STATUS).sort()).toEqual(every.filter((c) => isWireErrorCode(c)).sort());
  });

  it('holds the statuses DESIGN §3 fixes for the token codes', () => {
    for (const code of ERROR_CODES.token) {
      const expected = [
        'aip_scope_insufficient',
        'aip_budget_exceeded',
        'aip_depth_exceeded',
        'aip_holder_mismatch',
      ].includes(code)
        ? 403
        : 401;
      expect(httpStatusOf(code), code).toBe(expected);
    }
  });

  it('answers 500 for a code outside the table, in both apps alike', () => {
    expect(UNKNOWN_CODE_STATUS).toBe(500);
    expect(httpStatusOf('aip_made_up')).toBe(500);
    expect(httpStatusOf('aip_usage')).toBe(500);
    expect(httpStatusOf('constructor')).toBe(500);
    expect(isAipErrorCode('aip_usage')).toBe(true);
    expect(isAipErrorCode('aip_made_up')).toBe(false);
  });

  it('spells each concept once: no two codes differ only by word order', () => {
    const key = (code: string) => code.split('_').slice(1).sort().join('_');
    const seen = new Map<string, string>();
    for (const code of every) {
      expect(seen.get(key(code)) ?? code, `${code} and ${seen.get(key(code))}`).toBe(code);
      seen.set(key(code), code);
    }
  });
});
