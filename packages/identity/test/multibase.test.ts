import { base58btc } from 'multiformats/bases/base58';
import { expect, it } from 'vitest';
import { describeVectors, readVectorText } from './vectors.js';

// The multibase vectors pin the base58btc codec every AIP key identifier is built on.
const files = ['basic.csv', 'leading_zero.csv', 'two_leading_zeros.csv', 'case_insensitivity.csv'];

function parseCsv(text: string): { input: string; rows: Map<string, string> } {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const unquote = (s: string) => JSON.parse(s.trim().replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1')) as string;
  const [header, ...rest] = lines;
  const input = unquote((header as string).slice((header as string).indexOf(',') + 1));
  const rows = new Map(
    rest.map((line) => [line.slice(0, line.indexOf(',')).trim(), unquote(line.slice(line.indexOf(',') + 1))]),
  );
  return { input, rows };
}

describeVectors('multibase conformance vectors', () => {
  it('encodes and decodes every base58btc case', () => {
    let checked = 0;
    for (const file of files) {
      const { input, rows } = parseCsv(readVectorText(`multibase/${file}`));
      const expected = rows.get('base58btc');
      if (expected === undefined) continue;
      const bytes = new TextEncoder().encode(input);
      expect(base58btc.encode(bytes), file).toBe(expected);
      expect(base58btc.decode(expected), file).toEqual(bytes);
      checked++;
    }
    expect(checked).toBe(3);
  });
});
