// Every README's error table stays equal to the one list of codes (as fastify keeps Errors.md
// true): no README lists a code outside the union, each lists exactly the codes of what it
// documents, and every status it states is the one table's.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AipErrorCode, ERROR_CODES, HTTP_STATUS, isAipErrorCode, isWireErrorCode } from '@aip/identity';
import { errorCodeTable } from '@aip/registry';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const UNION: readonly AipErrorCode[] = [...new Set(Object.values(ERROR_CODES).flat())];

interface Row {
  codes: string[];
  /** The status cell's leading number, or undefined when it states none. */
  status: number | undefined;
}

/** The rows of the first table under the `##` heading that matches `heading`. */
function errorTable(file: string, heading: RegExp): Row[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const sections = text.split(/^(?=## )/m);
  const section = sections.find((s) => heading.test(s.split('\n')[0] as string));
  if (section === undefined) throw new Error(`${file}: no section ${heading}`);
  const lines = section.split('\n').filter((line) => line.startsWith('|'));
  const header = (lines[0] ?? '').split('|').map((cell) => cell.trim().toLowerCase());
  const statusColumn = header.findIndex((cell) => cell === 'status' || cell === 'http');
  return lines.slice(2).flatMap((line) => {
    const cells = line.split(/(?<!\\)\|/).slice(1, -1);
    const codes = [...(cells[0] ?? '').matchAll(/`(aip_[a-z_]+)`/g)].map((m) => m[1] as string);
    if (codes.length === 0) return [];
    const stated = statusColumn < 0 ? undefined : /^\s*(\d{3})\b/.exec(cells[statusColumn - 1] ?? '');
    return [{ codes, status: stated === null || stated === undefined ? undefined : Number(stated[1]) }];
  });
}

const codesOf = (rows: Row[]) => [...new Set(rows.flatMap((r) => r.codes))].sort();
const sorted = (codes: Iterable<string>) => [...new Set(codes)].sort();

/** Each README error table and the codes it documents. */
const TABLES: { file: string; heading: RegExp; codes: () => readonly string[] }[] = [
  { file: 'packages/identity/README.md', heading: /^## Error codes/, codes: () => ERROR_CODES.identity },
  { file: 'packages/identity/README.md', heading: /^## Every AIP error code/, codes: () => UNION },
  { file: 'packages/token/README.md', heading: /^## Error codes/, codes: () => ERROR_CODES.token },
  { file: 'packages/trust/README.md', heading: /^## Error codes/, codes: () => ERROR_CODES.trust },
  {
    file: 'apps/registry/README.md',
    heading: /^## Error codes/,
    codes: () => errorCodeTable().map(([code]) => code),
  },
  {
    file: 'apps/proxy/README.md',
    heading: /^## Error codes/,
    codes: () => [...ERROR_CODES.token, ...ERROR_CODES.proxy],
  },
  { file: 'apps/cli/README.md', heading: /^## Error codes/, codes: () => ERROR_CODES.cli },
];

describe('README error tables', () => {
  it.each(TABLES)('$file ($heading) lists no code outside the union', ({ file, heading }) => {
    for (const code of codesOf(errorTable(file, heading))) expect(isAipErrorCode(code), `${file}: ${code}`).toBe(true);
  });

  it.each(TABLES)('$file ($heading) lists exactly the codes it documents', ({ file, heading, codes }) => {
    expect(codesOf(errorTable(file, heading))).toEqual(sorted(codes()));
  });

  it.each(TABLES)('$file ($heading) states the one table’s status for each code', ({ file, heading }) => {
    for (const row of errorTable(file, heading)) {
      for (const code of row.codes) {
        if (!isWireErrorCode(code)) expect(row.status, `${file}: ${code} has no HTTP status`).toBeUndefined();
        else if (row.status !== undefined) expect(row.status, `${file}: ${code}`).toBe(HTTP_STATUS[code]);
      }
    }
  });

  it('documents every code of the union in the full table, each with its status or as local', () => {
    const rows = errorTable('packages/identity/README.md', /^## Every AIP error code/);
    expect(codesOf(rows)).toEqual(sorted(UNION));
    for (const row of rows) {
      for (const code of row.codes)
        expect(row.status, code).toBe(isWireErrorCode(code) ? HTTP_STATUS[code] : undefined);
    }
  });

  it('finds every code some package or app raises in its own README', () => {
    const documented = new Set(TABLES.filter((t) => !/Every/.test(String(t.heading))).flatMap((t) => t.codes()));
    expect(UNION.filter((code) => !documented.has(code))).toEqual([]);
  });
});
