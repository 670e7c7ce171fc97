// `aip budget show --ledger FILE [TOKEN|-]`: what each token and delegation link has spent through
// aip-proxy's budget ledger.
import { existsSync } from 'node:fs';
import type { SegmentSpend } from '@aip/proxy';
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
    .requiredOption('--ledger <file>', 'the ledger file ([budget] ledger in the proxy configuration)')
    .action(action(show));
  program.addCommand(budget);
}

function money(usd: number | null): string {
  return usd === null ? 'none' : `$${usd.toFixed(6).replace(/0{1,4}$/, '')}`;
}

async function show(options: { ledger: string } & OutputOptions, tokenArg?: string): Promise<number> {
  const [{ openBudgetLedger }, { decodeToken }] = await Promise.all([import('@aip/proxy'), import('@aip/token')]);
  if (!existsSync(options.ledger)) throw new CliError('aip_input_unreadable', `${options.ledger}: no such ledger`);
  const ids =
    tokenArg === undefined ? undefined : decodeToken(await readTokenArgument(tokenArg)).map((segment) => segment.id);
  const ledger = openBudgetLedger(options.ledger);
  let segments: SegmentSpend[];
  try {
    segments = await ledger.report(ids);
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
