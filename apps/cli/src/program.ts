// The `aip` command tree (commander) and its single error path.
import { Command, CommanderError } from 'commander';
import { registerAudit } from './commands/audit.js';
import { registerBudget } from './commands/budget.js';
import { registerDemo } from './commands/demo.js';
import { registerDid } from './commands/did.js';
import { registerInit } from './commands/init.js';
import { registerPublish } from './commands/publish.js';
import { registerRegistry } from './commands/registry.js';
import { registerRevoke } from './commands/revoke.js';
import { registerSign } from './commands/sign.js';
import { registerSync } from './commands/sync.js';
import { registerToken } from './commands/token.js';
import { registerTrust } from './commands/trust.js';
import { registerVerify } from './commands/verify.js';
import { registerVouch } from './commands/vouch.js';
import { registerWhoami } from './commands/whoami.js';
import { reportError } from './output.js';

export const VERSION = '0.1.0';

/**
 * Builds the `aip` program.
 *
 * @example
 * ```ts
 * await createProgram().parseAsync(['whoami', '--json'], { from: 'user' });
 * ```
 */
export function createProgram(): Command {
  const program = new Command('aip')
    .description('Agent Identity Protocol: identities, signed tool calls, delegation and trust for AI agents')
    .version(VERSION)
    .option('--json', 'machine-readable output (one JSON object per line)')
    .exitOverride()
    .showHelpAfterError('(run "aip help <command>" for usage)');
  registerInit(program);
  registerWhoami(program);
  registerSign(program);
  registerVerify(program);
  registerDid(program);
  registerToken(program);
  registerAudit(program);
  registerBudget(program);
  registerDemo(program);
  registerVouch(program);
  registerRevoke(program);
  registerTrust(program);
  registerPublish(program);
  registerSync(program);
  registerRegistry(program);
  // Sub-commands inherit exitOverride so every usage error reaches runCli's handler.
  const inherit = (command: Command) => {
    for (const sub of command.commands) {
      sub.exitOverride();
      inherit(sub);
    }
  };
  inherit(program);
  return program;
}

/**
 * Runs the CLI on `argv` (without the node and script paths) and resolves to the exit code:
 * 0 success/valid, 1 negative verdict, 2 usage or input error.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(process.argv.slice(2));
 * ```
 */
export async function runCli(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  try {
    process.exitCode = 0;
    await createProgram().parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (err) {
    return reportError({ json }, err instanceof CommanderError || err instanceof Error ? err : new Error(String(err)));
  }
}
