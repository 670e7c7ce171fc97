#!/usr/bin/env node
// The `prepack` of every published package: refuses to pack a manifest that still holds pnpm's
// `workspace:` or `catalog:` specifiers (npm would publish them verbatim, and no consumer could
// install the package), then builds the package and what it depends on, so a stale dist never
// ships. `pnpm pack` / `pnpm publish` rewrite those specifiers in the packed manifest, so under
// pnpm only the build runs.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SECTIONS = ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies'];
const PNPM_ONLY = /^(workspace|catalog):/;

const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
// The package manager running this script sets npm_execpath to itself (npm_config_user_agent alone
// can be inherited: npm reads npm_config_* variables of an outer pnpm run as its own configuration).
const execPath = path.basename(process.env.npm_execpath ?? '');
const packer = /pnpm/.test(execPath)
  ? 'pnpm'
  : execPath === ''
    ? 'an unknown tool'
    : execPath.replace(/(-cli)?\.c?js$/, '');

if (packer !== 'pnpm') {
  const unresolved = SECTIONS.flatMap((section) =>
    Object.entries(manifest[section] ?? {})
      .filter(([, spec]) => PNPM_ONLY.test(String(spec)))
      .map(([name, spec]) => `${section}.${name}: "${spec}"`),
  );
  if (unresolved.length > 0) {
    console.error(
      [
        `prepack: ${manifest.name} cannot be packed by ${packer}: its manifest has pnpm-only specifiers`,
        ...unresolved.map((line) => `  ${line}`),
        'that a consumer could never install. Pack or publish with pnpm, which rewrites them:',
        `  npx -y pnpm@10 --filter ${manifest.name} pack     (or: npx -y pnpm@10 -r publish)`,
      ].join('\n'),
    );
    process.exit(1);
  }
}

// turbo builds the package's dependencies first ("dependsOn": ["^build"]) and replays cached builds.
const turbo = path.join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'turbo.cmd' : 'turbo');
const build = spawnSync(turbo, ['run', 'build', `--filter=${manifest.name}`, '--output-logs=errors-only'], {
  cwd: ROOT,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', TURBO_NO_UPDATE_NOTIFIER: '1' },
});
if (build.status !== 0) {
  console.error(`prepack: building ${manifest.name} failed${build.error ? ` (${build.error.message})` : ''}`);
  process.exit(1);
}
