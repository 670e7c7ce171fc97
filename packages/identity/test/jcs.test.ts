import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize, type IdentityError } from '../src/index.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as IdentityError).code;
  }
  return undefined;
}

describe('canonicalize (RFC 8785)', () => {
  it('serializes numbers as RFC 8785 Appendix B requires', () => {
    const table: [number, string][] = [
      [0, '0'],
      [-0, '0'],
      [1e21, '1e+21'],
      [1e-7, '1e-7'],
      [0.000001, '0.000001'],
      [333333333.3333333, '333333333.3333333'],
      [9007199254740992, '9007199254740992'],
      [295147905179352830000, '295147905179352830000'],
      [5e-324, '5e-324'],
      [1.7976931348623157e308, '1.7976931348623157e+308'],
      [-1.5, '-1.5'],
    ];
    for (const [value, text] of table) expect(canonicalize(value)).toBe(text);
  });

  it('sorts members by UTF-16 code units (RFC 8785 §3.2.3 example)', () => {
    const value = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // Read the member names off the text: Object.keys would move the integer-like "1" first.
    const keys = [...canonicalize(value).matchAll(/"([^"]*)":/g)].map((m) => JSON.parse(`"${m[1]}"`));
    expect(keys).toEqual(['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33']);
  });

  it('escapes strings minimally (RFC 8785 §3.2.2.2)', () => {
    expect(canonicalize('\u000f\u000a"\\/\u20ac')).toBe('"\\u000f\\n\\"\\\\/\u20ac"');
  });

  it('matches the RFC 8785 §3.2.4 sample output', () => {
    const input = {
      numbers: [333333333.3333333, 1e30, 4.5, 2e-3, 0.000000000000000000000000001],
      string: '\u20ac$\u000F\u000aA\'\u0042\u0022\u005c\\"/',
      literals: [null, true, false],
    };
    expect(canonicalize(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('drops undefined members like JSON.stringify', () => {
    expect(canonicalize({ b: undefined, a: 1 })).toBe('{"a":1}');
  });

  it('refuses values outside I-JSON with aip_json_unsupported', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    const cases: unknown[] = [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      '\ud800',
      'a\udc00b',
      10n,
      () => 1,
      Symbol('x'),
      new Date(0),
      new Map(),
      [undefined],
      undefined,
      deep,
    ];
    for (const value of cases)
      expect(
        codeOf(() => canonicalize(value)),
        String(typeof value),
      ).toBe('aip_json_unsupported');
  });

  it('is stable under member reordering and round-trips through JSON.parse', () => {
    const shuffle = (value: unknown, seed: number): unknown => {
      if (Array.isArray(value)) return value.map((v) => shuffle(v, seed));
      if (value !== null && typeof value === 'object') {
        const entries = Object.entries(value);
        entries.sort(
          (a, b) => ((a[0].length * 31 + seed) % 7) - ((b[0].length * 31 + seed) % 7) || (seed % 2 ? 1 : -1),
        );
        return Object.fromEntries(entries.map(([k, v]) => [k, shuffle(v, seed + 1)]));
      }
      return value;
    };
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 1000 }), (value, seed) => {
        const canonical = canonicalize(value);
        expect(canonicalize(shuffle(value, seed))).toBe(canonical);
        expect(canonicalize(JSON.parse(canonical))).toBe(canonical);
      }),
      { numRuns: 300 },
    );
  });
});
