// `aip audit verify FILE [--key DID] [--anchor FILE]`: check an aip-proxy audit log — its hash
// chain, its signed checkpoints (by the pinned key, when given), and that it still reaches its
// anchor (FILE.anchor by default) — exit 0 intact, 1 broken. `aip audit verify --postgres URL
// --replica ID` checks one replica's chain in the PostgreSQL sink the same way.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { action } from '../action.js';
import { CliError } from '../cli-error.js';
import { EXIT_NEGATIVE, EXIT_OK } from '../exit-codes.js';
import { type OutputOptions, printResult } from '../output.js';

export function registerAudit(program: Command): void {
  const audit = new Command('audit').description('work with aip-proxy audit logs');
  audit
    .command('verify')
    .description('check the hash chain, checkpoints and anchor of an audit log; report the first broken line')
    .argument('[file]', 'the audit log (JSON lines)')
    .option('--key <did>', 'the audit key checkpoints must be signed by (printed nowhere else: pin it)')
    .option('--anchor <file>', 'the anchor file (default: FILE.anchor when it exists)')
    .option(
      '--postgres <url>',
      'read the chain from the PostgreSQL sink ([logging] sink = "postgres") instead of a file',
    )
    .option('--replica <id>', 'with --postgres: the replica whose chain to check ([state] replica_id)')
    .action(action(verify));
  program.addCommand(audit);
}

async function readChain(options: { postgres?: string; replica?: string }, file?: string): Promise<string> {
  if (options.postgres === undefined) {
    if (file === undefined || options.replica !== undefined)
      throw new CliError('aip_usage', 'give the audit log FILE, or --postgres URL --replica ID');
    return readFile(file, 'utf8');
  }
  if (file !== undefined || options.replica === undefined)
    throw new CliError('aip_usage', 'with --postgres give --replica ID and no FILE');
  const { readPostgresAudit, redactUrl } = await import('@aip/proxy');
  let text: string;
  try {
    text = await readPostgresAudit(options.postgres, options.replica);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const cause = typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code) ? code : 'no answer';
    throw new CliError(
      'aip_input_unreadable',
      `cannot read the audit chain at ${redactUrl(options.postgres)} (${cause})`,
    );
  }
  if (text === '') throw new CliError('aip_input_unreadable', `no audit chain for replica ${options.replica}`);
  return text;
}

async function verify(
  options: OutputOptions & { key?: string; anchor?: string; postgres?: string; replica?: string },
  file?: string,
): Promise<number> {
  const { anchorFileOf, verifyAuditLog } = await import('@aip/proxy');
  const text = await readChain(options, file);
  const anchorFile =
    options.anchor ?? (file !== undefined && existsSync(anchorFileOf(file)) ? anchorFileOf(file) : undefined);
  const result = verifyAuditLog(text, {
    ...(options.key === undefined ? {} : { key: options.key }),
    ...(anchorFile === undefined ? {} : { anchor: await readFile(anchorFile, 'utf8') }),
  });
  const details = {
    lines: result.lines,
    pinned: result.pinned,
    checkpoints: result.checkpoints,
    key: result.key ?? null,
    anchored: result.anchored ?? null,
    torn: result.torn,
    replicas: result.replicas,
    notes: result.notes,
  };
  const notes = result.notes.length === 0 ? '' : `\n${result.notes.map((n) => `  note: ${n}`).join('\n')}`;
  if (result.ok) {
    printResult(
      options,
      { valid: true, ...details },
      () =>
        `intact: ${result.lines} line(s), hash chain unbroken, ${result.checkpoints} signed checkpoint(s)` +
        `${result.key === undefined ? '' : ` by ${result.key}`}` +
        `${result.anchored === true ? ', anchor reached' : anchorFile === undefined ? ', no anchor' : ''}` +
        `${result.replicas.length === 0 ? '' : `, written by ${result.replicas.join(', ')}`}${notes}` +
        (result.pinned
          ? ''
          : '\n  warning: NOT verified against a pinned key: a log cut short and re-signed with another key would pass too (pass --key with the audit key the proxy printed at start)'),
    );
    return EXIT_OK;
  }
  printResult(
    options,
    { valid: false, ...details, broken_line: result.brokenLine, reason: result.reason },
    () => `broken at line ${result.brokenLine} of ${result.lines}: ${result.reason}${notes}`,
  );
  return EXIT_NEGATIVE;
}
