// The `aip` command tree (commander) and its single error path. Each command's module, and the
// packages its handler needs, load only when that command runs: agents call `aip` in loops.
import { Command, CommanderError } from 'commander';
import { reportError } from './output.js';

export const VERSION = '0.1.0';

type Register = (program: Command) => void;

// Top-level command names, in help order, and the module that defines each.
const COMMANDS: Record<string, () => Promise<Register>> = {
  init: async () => (await import('./commands/init.js')).registerInit,
  whoami: async () => (await import('./commands/whoami.js')).registerWhoami,
  rotate: async () => (await import('./commands/rotate.js')).registerRotate,
  identity: async () => (await import('./commands/identity.js')).registerIdentity,
  sign: async () => (await import('./commands/sign.js')).registerSign,
  verify: async () => (await import('./commands/verify.js')).registerVerify,
  did: async () => (await import('./commands/did.js')).registerDid,
  token: async () => (await import('./commands/token.js')).registerToken,
  connect: async () => (await import('./commands/connect.js')).registerConnect,
  audit: async () => (await import('./commands/audit.js')).registerAudit,
  budget: async () => (await import('./commands/budget.js')).registerBudget,
  demo: async () => (await import('./commands/demo.js')).registerDemo,
  vouch: async () => (await import('./commands/vouch.js')).registerVouch,
  revoke: async () => (await import('./commands/revoke.js')).registerRevoke,
  trust: async () => (await import('./commands/trust.js')).registerTrust,
  publish: async () => (await import('./commands/publish.js')).registerPublish,
  sync: async () => (await import('./commands/sync.js')).registerSync,
  registry: async () => (await import('./commands/registry.js')).registerRegistry,
};

/** The command `argv` names, when it names one (else help, a version or a usage error follows). */
function commandNamed(argv: readonly string[]): string | undefined {
  const first = argv.find((arg) => arg !== '--json');
  return first !== undefined && Object.hasOwn(COMMANDS, first) ? first : undefined;
}

/**
 * Builds the `aip` program. Given the arguments it will parse, it defines only the command they
 * name (the rest of the tree is defined when they name none: help, `--version`, a typo).
 *
 * @example
 * ```ts
 * const argv = ['whoami', '--json'];
 * await (await createProgram(argv)).parseAsync(argv, { from: 'user' });
 * ```
 */
export async function createProgram(argv?: readonly string[]): Promise<Command> {
  const program = new Command('aip')
    .description('Agent Identity Protocol: identities, signed tool calls, delegation and trust for AI agents')
    .version(VERSION)
    .option('--json', 'machine-readable output (one JSON object per line)')
    .exitOverride()
    .showHelpAfterError('(run "aip help <command>" for usage)');
  const named = argv === undefined ? undefined : commandNamed(argv);
  const names = named === undefined ? Object.keys(COMMANDS) : [named];
  const registers = await Promise.all(names.map((name) => (COMMANDS[name] as () => Promise<Register>)()));
  for (const register of registers) register(program);
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
    await (await createProgram(argv)).parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (err) {
    return reportError({ json }, err instanceof CommanderError || err instanceof Error ? err : new Error(String(err)));
  }
}
