// `aip trust score|path|import|export|rank`: personalised trust from the local store (DESIGN §4, §7).
import { promises as fs } from 'node:fs';
import type { TrustQueryOptions, TrustResult } from '@aip/trust';
import { Command } from 'commander';
import { action } from '../action.js';
import { parseUnix } from '../arguments.js';
import { CliError, outputError } from '../cli-error.js';
import { EXIT_NEGATIVE, EXIT_OK } from '../exit-codes.js';
import type { TrustDbOptions } from '../local-trust.js';
import { type OutputOptions, printResult } from '../output.js';
import { progressBar } from '../progress.js';

interface QueryOptions extends TrustDbOptions {
  from?: string;
  scope: string;
  at?: string;
}

export function registerTrust(program: Command): void {
  const trust = new Command('trust').description('personalised, Sybil-resistant trust between agents');
  const query = (name: string, description: string, handler: typeof score) =>
    trust
      .command(name)
      .description(description)
      .argument('<did>', 'the agent to evaluate')
      .option('--from <did>', 'whose point of view (default: the local identity)')
      .option('--scope <scope>', 'the scope trust is needed for', '*')
      .option('--at <unix>', 'evaluate at this time (Unix seconds) instead of now')
      .option('--db <file>', 'trust store (default $AIP_HOME/trust.db)')
      .action(action(handler));
  query('score', 'trust score T, corroboration k and the evidence path (exit 1: no trust path)', score);
  query('path', 'the evidence path with the vouch behind each hop (exit 1: no trust path)', path);
  trust
    .command('import')
    .description('import signed vouches and revocations (JSONL), verifying every line (exit 1: some rejected)')
    .argument('<file>', 'a .jsonl file')
    .option('--at <unix>', 'verify expiry at this time (Unix seconds) instead of now')
    .option('--db <file>', 'trust store (default $AIP_HOME/trust.db)')
    .action(action(importFile));
  trust
    .command('export')
    .description('export every stored signed object as JSONL (to FILE, or stdout)')
    .argument('[file]', 'output file (never overwritten without --force)')
    .option('--force', 'overwrite FILE if it exists')
    .option('--db <file>', 'trust store (default $AIP_HOME/trust.db)')
    .action(action(exportFile));
  trust
    .command('rank')
    .description('a global ranking seeded at --seed (EigenTrust-style), for display only')
    .option('--seed <did...>', 'pre-trusted agents (default: the local identity)')
    .option('--scope <scope>', 'the scope to rank in', '*')
    .option('--top <n>', 'how many agents to list', '20')
    .option('--db <file>', 'trust store (default $AIP_HOME/trust.db)')
    .action(action(rank));
  program.addCommand(trust);
}

/** What the trust subcommands need, loaded only when one of them runs. */
async function load() {
  const [identity, node, trust, local] = await Promise.all([
    import('@aip/identity'),
    import('@aip/identity/node'),
    import('@aip/trust'),
    import('../local-trust.js'),
  ]);
  return { ...identity, ...node, ...trust, ...local };
}

async function queryOptions(options: QueryOptions): Promise<TrustQueryOptions> {
  const { didKeyFromId, readIdentityInfo } = await load();
  const from = options.from === undefined ? (await readIdentityInfo()).did : didKeyFromId(options.from);
  const now = parseUnix(options.at);
  if (Number.isNaN(now)) throw new CliError('aip_usage', '--at must be Unix seconds');
  return { from, scope: options.scope, ...(now === undefined ? {} : { now }) };
}

function describe(result: TrustResult, scope: string): string {
  if (result.path.length === 0) return `no trust path in scope ${scope} (score 0)`;
  return [
    `score ${result.score} in scope ${scope} (${result.hops} hop${result.hops === 1 ? '' : 's'}, corroboration ${result.corroboration})`,
    ...result.path.map((did, i) => `  ${i === 0 ? ' ' : '→'} ${did}`),
  ].join('\n');
}

async function score(options: QueryOptions & OutputOptions, did?: string): Promise<number> {
  const { didKeyFromId, withEngine } = await load();
  const query = await queryOptions(options);
  const target = didKeyFromId(did as string);
  const result = await withEngine(options, (engine) => engine.score(target, query));
  const { score: value, corroboration, hops, path: chain } = result;
  printResult(options, { score: value, corroboration, hops, path: chain }, () => describe(result, options.scope));
  return value > 0 ? EXIT_OK : EXIT_NEGATIVE;
}

async function path(options: QueryOptions & OutputOptions, did?: string): Promise<number> {
  const { didKeyFromId, withEngine } = await load();
  const query = await queryOptions(options);
  const target = didKeyFromId(did as string);
  const result = await withEngine(options, (engine) => engine.path(target, query));
  printResult(options, result, () =>
    result.path.length === 0
      ? describe(result, options.scope)
      : [
          `score ${result.score} in scope ${options.scope} (corroboration ${result.corroboration})`,
          `    ${result.path[0]}`,
          ...result.vouches.map((v) => `  → ${v.subject}\n      vouch ${v.id} (scope ${v.scope}, weight ${v.weight})`),
        ].join('\n'),
  );
  return result.score > 0 ? EXIT_OK : EXIT_NEGATIVE;
}

async function importFile(options: TrustDbOptions & { at?: string } & OutputOptions, file?: string): Promise<number> {
  const now = parseUnix(options.at);
  if (Number.isNaN(now)) throw new CliError('aip_usage', '--at must be Unix seconds');
  const { importJsonlFile, openLocalStore, openTrustEngine } = await load();
  const store = openLocalStore(options);
  const bar = progressBar(options, 'importing');
  const started = Date.now();
  try {
    const summary = await importJsonlFile(store, file as string, {
      ...(now === undefined ? {} : { now }),
      onProgress: (p) => {
        const rate = Math.round(p.lines / Math.max(0.001, (Date.now() - started) / 1000));
        bar.update(
          p.bytes,
          p.totalBytes,
          `${p.lines.toLocaleString('en-US')} lines, ${rate.toLocaleString('en-US')}/s`,
        );
      },
    });
    bar.finish();
    if (summary.accepted > 0) {
      // Refresh the index snapshot so the next query starts from it.
      const engine = openTrustEngine(store);
      await engine.saveSnapshot();
      engine.close();
    }
    // Vouches an earlier version stored in a scope the grammar now refuses: kept, never counted, said.
    const refusedScopes = store.refusedScopes();
    printResult(options, { ...summary, refusedScopes }, () =>
      [
        `${summary.lines} lines: ${summary.accepted} accepted, ${summary.duplicates} already known, ${summary.rejected} rejected`,
        ...Object.entries(summary.rejectedByCode).map(([code, count]) => `  ${code}: ${count}`),
        ...summary.errors.map((e) => `  line ${e.line}: ${e.code}: ${e.message}`),
        ...(summary.errors.length < summary.rejected ? [`  (${summary.rejected - summary.errors.length} more)`] : []),
        ...refusedScopes.map(
          (r) => `  stored earlier, never counted: ${r.vouches} vouch(es) in scope ${r.scope} (${r.code})`,
        ),
      ].join('\n'),
    );
    return summary.rejected === 0 ? EXIT_OK : EXIT_NEGATIVE;
  } finally {
    bar.finish();
    store.close();
  }
}

async function exportFile(
  options: TrustDbOptions & { force?: boolean } & OutputOptions,
  file?: string,
): Promise<number> {
  const { openLocalStore, writeFileAtomic } = await load();
  const store = openLocalStore(options);
  try {
    if (file === undefined || file === '-') {
      for (const line of store.exportLines()) {
        if (!process.stdout.write(`${line}\n`)) await new Promise((resolve) => process.stdout.once('drain', resolve));
      }
      return EXIT_OK;
    }
    if (!options.force && (await exists(file))) {
      throw new CliError('aip_output_exists', `${file} already exists (use --force to overwrite)`);
    }
    const chunks: Buffer[] = [];
    let lines = 0;
    for (const line of store.exportLines()) {
      chunks.push(Buffer.from(`${line}\n`, 'utf8'));
      lines++;
    }
    try {
      await writeFileAtomic(file, Buffer.concat(chunks), { mode: 0o644, overwrite: options.force === true });
    } catch (err) {
      throw outputError(file, err);
    }
    printResult(options, { out: file, lines }, () => `Exported ${lines} signed objects to ${file}`);
    return EXIT_OK;
  } finally {
    store.close();
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch {
    return false;
  }
}

async function rank(
  options: TrustDbOptions & { seed?: string[]; scope: string; top: string } & OutputOptions,
): Promise<number> {
  const { computeRanking, didKeyFromId, readIdentityInfo, withEngine } = await load();
  const seeds =
    options.seed === undefined ? [(await readIdentityInfo()).did] : options.seed.map((s) => didKeyFromId(s));
  const top = Number(options.top);
  if (!Number.isSafeInteger(top) || top < 1) throw new CliError('aip_usage', '--top must be a positive integer');
  const ranking = await withEngine(options, (engine) => computeRanking(engine, { seeds, scope: options.scope, top }));
  printResult(options, { scope: options.scope, seeds, ranking }, () =>
    ranking.length === 0
      ? `nothing reachable from the seeds in scope ${options.scope}`
      : ranking.map((r, i) => `${String(i + 1).padStart(3)}. ${r.rank.toFixed(6)}  ${r.did}`).join('\n'),
  );
  return EXIT_OK;
}
