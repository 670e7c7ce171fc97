// The trust store's storage is private (CONVENTIONS 15): the registry reads and writes it through
// @aip/trust's API only, so a change of the trust schema can never compile and then break here.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
// The trust store's tables, as SQL (upper-case keywords, as everywhere here) would name them.
const TRUST_TABLE =
  /\b(FROM|JOIN|INTO|UPDATE|ON|TABLE)\s+(vouches|revocations|agents|scopes|meta|changes|agent_degrees)\b/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(path.join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [path.join(dir, entry.name)]
        : [],
  );
}

describe("the registry and the trust store's storage", () => {
  const files = sources(SRC);

  it('finds the sources', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it.each(files.map((file) => [path.relative(SRC, file), file]))('%s names no trust table in SQL', (_name, file) => {
    const text = readFileSync(file as string, 'utf8');
    expect(text).not.toMatch(TRUST_TABLE);
  });

  it.each(files.map((file) => [path.relative(SRC, file), file]))(
    "%s never reaches for the trust store's connection",
    (_name, file) => {
      expect(readFileSync(file as string, 'utf8')).not.toMatch(/\.database\b/);
    },
  );
});
