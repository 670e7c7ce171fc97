// `aip demo`: the whole story in a few seconds, locally, with nothing left behind.
import type { Command } from 'commander';
import { action } from '../action.js';
import type { DemoListener } from '../demo/run-demo.js';
import { EXIT_NEGATIVE, EXIT_OK } from '../exit-codes.js';
import type { OutputOptions } from '../output.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'run the AIP story locally: identities, an MCP server behind aip-proxy, delegation, signed calls, budgets, trust, audit',
    )
    .action(action(demo));
}

async function demo(options: OutputOptions): Promise<number> {
  const [{ terminalListener }, { runDemo }] = await Promise.all([
    import('../demo/render.js'),
    import('../demo/run-demo.js'),
  ]);
  const quiet: DemoListener = { section() {}, step() {} };
  const color = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
  if (!options.json)
    process.stdout.write('AIP demo: everything below runs on this machine, on loopback, in a temporary directory.\n');
  const report = await runDemo(options.json ? quiet : terminalListener((text) => process.stdout.write(text), color));
  if (options.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else
    process.stdout.write(
      `\n${report.ok ? 'All steps turned out as expected.' : 'Some steps did not turn out as expected.'}\n`,
    );
  return report.ok ? EXIT_OK : EXIT_NEGATIVE;
}
