// `aip whoami [--json]`: show the local identity (no passphrase needed).
import type { Command } from 'commander';
import { action } from '../action.js';
import { EXIT_OK } from '../exit-codes.js';
import { notice, type OutputOptions, printResult } from '../output.js';

export function registerWhoami(program: Command): void {
  program
    .command('whoami')
    .description('show the local identity')
    .option('--did', 'print only the did:key (for scripts: SCOUT=$(aip whoami --did))')
    .action(action(whoami));
}

async function whoami(options: { did?: boolean } & OutputOptions): Promise<number> {
  const { readIdentityInfo } = await import('@aip/identity/node');
  const info = await readIdentityInfo();
  if (options.did === true && !options.json) {
    process.stdout.write(`${info.did}\n`);
    return EXIT_OK;
  }
  if (!info.permissionsOk)
    notice(options, `warning: ${info.path} is readable by other users; run: chmod 600 ${info.path}`);
  const result = {
    did: info.did,
    aip_id: info.aipId,
    public_key_multibase: info.publicKeyMultibase,
    name: info.name,
    platform: info.platform,
    // A claim the agent made about itself: nothing has checked it, and `aip` never does.
    platform_verified: false,
    encrypted: info.encrypted,
    created_at: info.createdAt,
    path: info.path,
  };
  printResult(options, result, () =>
    [
      `${info.name ?? '(unnamed)'}`,
      `  did:        ${info.did}`,
      `  aip id:     ${info.aipId}`,
      `  public key: ${info.publicKeyMultibase}`,
      ...(info.platform === null ? [] : [`  platform:   ${info.platform} (self-asserted, unverified)`]),
      `  created:    ${info.createdAt}`,
      `  file:       ${info.path}${info.encrypted ? ' (encrypted)' : ''}`,
    ].join('\n'),
  );
  return EXIT_OK;
}
