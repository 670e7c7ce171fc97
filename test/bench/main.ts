// `pnpm bench [--json] [suite...] [--scale=1m|10m]`: runs the benchmark suites and prints a table, or
// one JSON object per line. Exits 1 when a result misses its target.
import { cliSuite } from './cli.bench.js';
import { connectSuite } from './connect.bench.js';
import type { BenchResult, Suite } from './harness.js';
import { identitySuite } from './identity.bench.js';
import { proxySuite } from './proxy.bench.js';
import { registryReplicasSuite, registrySuite } from './registry.bench.js';
import { replicasSuite } from './replicas.bench.js';
import { tokenSuite } from './token.bench.js';
import { trustSuite } from './trust.bench.js';

const suites: Suite[] = [
  identitySuite,
  tokenSuite,
  trustSuite,
  proxySuite,
  replicasSuite,
  registrySuite,
  registryReplicasSuite,
  cliSuite,
  connectSuite,
];

const args = process.argv.slice(2);
const json = args.includes('--json');
const only = args.filter((a) => !a.startsWith('--'));
const selected = only.length === 0 ? suites : suites.filter((s) => only.includes(s.name));
if (selected.length === 0) {
  console.error(`unknown suite(s): ${only.join(', ')}; available: ${suites.map((s) => s.name).join(', ')}`);
  process.exit(2);
}

const results: BenchResult[] = [];
for (const suite of selected) {
  if (!json) console.error(`running ${suite.name}...`);
  for (const row of await suite.run()) {
    results.push(row);
    if (json) console.log(JSON.stringify(row));
  }
}

if (!json) {
  const header = ['name', 'value', 'unit', 'baseline', 'ratio', 'target', 'ok'];
  const rows = results.map((r) => [
    r.name,
    fmt(r.value),
    r.unit,
    fmt(r.baseline),
    fmt(r.ratio),
    r.target ?? '-',
    r.ok === null ? '-' : r.ok ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 || i === 2 || i === 5 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

process.exitCode = results.some((r) => r.ok === false) ? 1 : 0;

function fmt(n: number | null): string {
  if (n === null) return '-';
  return Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : String(n);
}
