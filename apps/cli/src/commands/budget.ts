// `aip budget show --ledger FILE | --postgres URL [TOKEN|-]`: what each token and delegation link
// has spent through aip-proxy's budget ledger (SQLite, or PostgreSQL shared by replicas).
import { existsSync } from 'node:fs';
import type { BudgetLedger, SegmentSpend } from '@aip/proxy';
import { Command } from 'commander';
import { action } from '../action.js';
import { CliError } from '../cli-error.js';
import { EXIT_OK } from '../exit-codes.js';
import { readTokenArgument } from '../input.js';
import { type OutputOptions, printResult } from '../output.js';

export function registerBudget(program: Command): void {
  const budget = new Command('budget').description("read aip-proxy's budget ledger");
  budget
    .command('show')
    .description('spend per token and delegation link (all recent segments, or those of one token)')
    .argument('[token]', 'show only the segments of this token or chain ("-" for stdin)')
    .option('--ledger <file>', 'the ledger file ([budget] ledger in the proxy configuration)')
    .option(
      '--postgres <url>',
      'the PostgreSQL ledger ([state] postgres_url); a password may come from PGPASSWORD instead of the URL',
    )
    .action(action(show));
  program.addCommand(budget);
}

function money(usd: number | null): string {
  return usd === null ? 'none' : `$${usd.toFixed(6).replace(/0{1,4}$/, '')}`;
}

async function openLedger(options: { ledger?: string; postgres?: string }): Promise<BudgetLedger> {
  const { openBudgetLedger, openPostgresLedger, redactUrl } = await import('@aip/proxy');
  if ((options.ledger === undefined) === (options.postgres === undefined))
    throw new CliError('aip_usage', 'give the ledger: --ledger FILE or --postgres URL (one of them)');
  if (options.postgres !== undefined) {
    try {
      return await openPostgresLedger(options.postgres, { create: false, maxConnections: 1 });
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      const cause = typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code) ? code : 'no answer';
      throw new CliError(
        'aip_input_unreadable',
        `cannot read the ledger at ${redactUrl(options.postgres)} (${cause === '42P01' ? 'no ledger there yet' : cause})`,
      );
    }
  }
  const file = options.ledger as string;
  if (!existsSync(file)) throw new CliError('aip_input_unreadable', `${file}: no such ledger`);
  return openBudgetLedger(file);
}

async function show(
  options: { ledger?: string; postgres?: string } & OutputOptions,
  tokenArg?: string,
): Promise<number> {
  const { decodeToken } = await import('@aip/token');
  const ids =
    tokenArg === undefined ? undefined : decodeToken(await readTokenArgument(tokenArg)).map((segment) => segment.id);
  const ledger = await openLedger(options);
  let segments: SegmentSpend[];
  try {
    segments = await ledger.report(ids);
  } catch (err) {
    const { StoreUnavailableError } = await import('@aip/proxy');
    if (err instanceof StoreUnavailableError) throw new CliError('aip_input_unreadable', err.message);
    throw err;
  } finally {
    await ledger.close();
  }
  printResult(options, { segments }, () =>
    segments.length === 0
      ? 'no spend recorded'
      : [
          'segment                                      spent        budget       calls  subject',
          ...segments.map(
            (s) =>
              `${s.id}  ${money(s.spent_usd).padEnd(11)}  ${money(s.budget_usd).padEnd(11)}  ${String(s.calls).padStart(5)}  ${s.subject ?? ''}`,
          ),
        ].join('\n'),
  );
  return EXIT_OK;
}
