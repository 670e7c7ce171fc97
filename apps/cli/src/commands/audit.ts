// `aip audit verify FILE`: check the hash chain of an aip-proxy audit log (exit 0 intact, 1 broken).
import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { action } from '../action.js';
import { EXIT_NEGATIVE, EXIT_OK } from '../exit-codes.js';
import { type OutputOptions, printResult } from '../output.js';

export function registerAudit(program: Command): void {
  const audit = new Command('audit').description('work with aip-proxy audit logs');
  audit
    .command('verify')
    .description('check the hash chain of an audit log and report the first broken line')
    .argument('<file>', 'the audit log (JSON lines)')
    .action(action(verify));
  program.addCommand(audit);
}

async function verify(options: OutputOptions, file?: string): Promise<number> {
  const { verifyAuditLog } = await import('@aip/proxy');
  const result = verifyAuditLog(await readFile(file as string, 'utf8'));
  if (result.ok) {
    printResult(
      options,
      { valid: true, lines: result.lines },
      () => `intact: ${result.lines} line(s), hash chain unbroken`,
    );
    return EXIT_OK;
  }
  printResult(
    options,
    { valid: false, lines: result.lines, broken_line: result.brokenLine, reason: result.reason },
    () => `broken at line ${result.brokenLine} of ${result.lines}: ${result.reason}`,
  );
  return EXIT_NEGATIVE;
}
