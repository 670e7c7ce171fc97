// The documentation stays true: the README's two set-up commands are what CI runs, every relative
// link in the READMEs points at a file that exists, and every package README has its example, API
// and error codes.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const PACKAGE_READMES = [
  'packages/identity/README.md',
  'packages/token/README.md',
  'packages/trust/README.md',
  'packages/mcp/README.md',
  'apps/proxy/README.md',
  'apps/registry/README.md',
  'apps/cli/README.md',
];

/** The lines of the first ```sh block under "## Set up". */
function setUpCommands(readme: string): string[] {
  const section = readme.slice(readme.indexOf('\n## Set up\n'));
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  return block === null ? [] : (block[1] as string).split('\n').filter((line) => line !== '');
}

describe('README set-up', () => {
  const commands = setUpCommands(read('README.md'));

  it('is two commands: install + build + aip demo, then the whole test suite', () => {
    expect(commands).toEqual([
      'npx -y pnpm@10 install && npx -y pnpm@10 build && node apps/cli/dist/main.js demo',
      'npx -y pnpm@10 test',
    ]);
  });

  it('is what CI runs, as written', () => {
    const ci = read('.ci/run');
    const reader = ci.split('\n').find((line) => line.startsWith('mapfile -t setup'));
    if (reader === undefined) throw new Error('.ci/run does not read the set-up commands from the README');
    const extracted = spawnSync('bash', ['-c', `${reader}\nprintf '%s\\n' "\${setup[@]}"`], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(extracted.status).toBe(0);
    expect(extracted.stdout.split('\n').filter((line) => line !== '')).toEqual(commands);
    for (const i of [0, 1]) expect(ci).toContain(`bash -euo pipefail -c "\${setup[${i}]}"`);
  });
});

describe('READMEs', () => {
  const files = ['README.md', 'examples/README.md', ...PACKAGE_READMES];

  it.each(files)('%s: every relative link resolves', (file) => {
    const text = read(file);
    const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)]
      .map((m) => m[1] as string)
      .filter((href) => !/^[a-z]+:/i.test(href) && !href.startsWith('#'));
    for (const href of links) {
      const target = path.join(ROOT, path.dirname(file), href.split('#')[0] as string);
      expect(existsSync(target), `${file} links to ${href}`).toBe(true);
    }
  });

  it('the root README links every package README', () => {
    const text = read('README.md');
    for (const file of PACKAGE_READMES) expect(text).toContain(`](${file})`);
  });

  it.each(PACKAGE_READMES)('%s: purpose, runnable example, API and error codes', (file) => {
    const text = read(file);
    const headings = [...text.matchAll(/^##+ (.+)$/gm)].map((m) => m[1] as string);
    expect(text.split('\n')[0]).toMatch(/^# @aip\//);
    expect(
      headings.some((h) => /example|run it|in code/i.test(h)),
      `${file}: an example`,
    ).toBe(true);
    expect(
      headings.some((h) => /^(API|Commands)\b/.test(h)),
      `${file}: the API`,
    ).toBe(true);
    expect(
      headings.some((h) => /error/i.test(h)),
      `${file}: error codes`,
    ).toBe(true);
    expect(text).toMatch(/```(ts|sh|console)\n/);
  });
});
