// `aip sync URL`: pull a registry's feed into the local trust store, re-verifying every object (the
// registry is never trusted), resuming from the cursor saved by the previous sync.
import path from 'node:path';
import type { Command } from 'commander';
import { action } from '../action.js';
import { parseUnix } from '../arguments.js';
import { CliError } from '../cli-error.js';
import { EXIT_NEGATIVE, EXIT_OK } from '../exit-codes.js';
import type { TrustDbOptions } from '../local-trust.js';
import { type OutputOptions, printResult } from '../output.js';
import { progressBar } from '../progress.js';

interface SyncOptions extends TrustDbOptions {
  at?: string;
  restart?: boolean;
}

export function registerSync(program: Command): void {
  program
    .command('sync')
    .description(
      'pull signed objects from a registry into the local trust store, verifying each (exit 1: some refused)',
    )
    .argument('<url>', 'the registry, e.g. http://127.0.0.1:8470')
    .option('--restart', 'ignore the saved cursor and pull everything again')
    .option('--at <unix>', 'verify expiry at this time (Unix seconds) instead of now')
    .option('--db <file>', 'trust store (default $AIP_HOME/trust.db)')
    .action(action(sync));
}

async function sync(options: SyncOptions & OutputOptions, url?: string): Promise<number> {
  const now = parseUnix(options.at);
  if (Number.isNaN(now)) throw new CliError('aip_usage', '--at must be Unix seconds');
  const [{ defaultAipHome }, { openRegistryStore, syncFromRegistry }, { openTrustEngine, TRUST_DB_FILE }] =
    await Promise.all([import('@aip/identity/node'), import('@aip/registry'), import('@aip/trust')]);
  // A store that only syncs needs no feed of its own (cheaper inserts); serving it later builds one.
  const store = openRegistryStore({ path: options.db ?? path.join(defaultAipHome(), TRUST_DB_FILE), feed: false });
  const bar = progressBar(options, 'syncing');
  const started = Date.now();
  try {
    const summary = await syncFromRegistry(store, url as string, {
      ...(now === undefined ? {} : { now }),
      ...(options.restart === true ? { restart: true } : {}),
      onProgress: (p) => {
        const rate = Math.round(p.processed / Math.max(0.001, (Date.now() - started) / 1000));
        bar.update(
          p.processed,
          p.received + p.remaining,
          `${p.processed.toLocaleString('en-US')} objects, ${rate.toLocaleString('en-US')}/s`,
        );
      },
    });
    bar.finish();
    if (summary.accepted > 0) {
      // Refresh the index snapshot so the next query starts from it.
      const engine = openTrustEngine(store.trust);
      await engine.saveSnapshot();
      engine.close();
    }
    printResult(options, summary, () =>
      [
        `${summary.objects} objects from ${summary.source}: ${summary.accepted} new, ${summary.duplicates} already known, ${summary.rejected} refused`,
        ...(summary.restarted ? ['  (the registry was rebuilt since the last sync: pulled everything again)'] : []),
        ...(summary.rejected > 0
          ? [
              '  refused objects do not verify or are not allowed: the registry (or the network) altered or invented them',
            ]
          : []),
        ...Object.entries(summary.rejectedByCode).map(([code, count]) => `  ${code}: ${count}`),
        ...summary.errors.map((e) => `  object ${e.object}: ${e.code}: ${e.message}`),
        `  key events: ${summary.keyEvents.accepted} new, ${summary.keyEvents.duplicates} already known${
          summary.keyEvents.rejected > 0 ? `, ${summary.keyEvents.rejected} refused` : ''
        }`,
        ...Object.entries(summary.keyEvents.rejectedByCode).map(([code, count]) => `  key events ${code}: ${count}`),
      ].join('\n'),
    );
    return summary.rejected === 0 && summary.keyEvents.rejected === 0 ? EXIT_OK : EXIT_NEGATIVE;
  } finally {
    bar.finish();
    store.close();
  }
}
