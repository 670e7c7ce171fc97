// `aip init [--name N] [--platform P/ACCOUNT] [--force] [--encrypt]`: mint an identity into $AIP_HOME.
import type { Command } from 'commander';
import { action } from '../action.js';
import { CliError } from '../cli-error.js';
import { EXIT_OK } from '../exit-codes.js';
import { type OutputOptions, printResult } from '../output.js';
import { readPassphrase } from '../passphrase.js';

interface InitOptions {
  name?: string;
  platform?: string;
  force?: boolean;
  encrypt?: boolean;
}

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('mint a new Ed25519 identity into $AIP_HOME (default ~/.aip)')
    .option('--name <name>', 'a human-readable name for this agent')
    .option(
      '--platform <platform/account>',
      'a platform account you claim, e.g. github/myrepo (self-asserted: published in your profile, shown unverified)',
    )
    .option('--force', 'replace an existing identity (a timestamped backup is kept)')
    .option('--encrypt', 'encrypt the key at rest with a passphrase ($AIP_PASSPHRASE or a prompt)')
    .action(action(init));
}

async function init(options: InitOptions & OutputOptions): Promise<number> {
  const [{ generateIdentity, IdentityError, isPlatformClaim }, { defaultAipHome, identityExists, saveIdentity }] =
    await Promise.all([import('@aip/identity'), import('@aip/identity/node')]);
  if (options.platform !== undefined && !isPlatformClaim(options.platform)) {
    throw new CliError('aip_usage', '--platform must be <platform>/<account>, e.g. github/myrepo');
  }
  const home = defaultAipHome();
  // Refuse before asking for a passphrase; saveIdentity re-checks atomically.
  if (!options.force && (await identityExists({ home }))) {
    throw new IdentityError(
      'aip_identity_exists',
      `an identity already exists in ${home} (use --force to replace it; a backup is kept)`,
    );
  }
  let passphrase: string | undefined;
  if (options.encrypt) {
    passphrase = await readPassphrase({ confirm: true, purpose: 'to encrypt the new identity' });
    if (passphrase === undefined) {
      throw new IdentityError(
        'aip_passphrase_required',
        '--encrypt needs a passphrase: set AIP_PASSPHRASE or run in a terminal',
      );
    }
  }
  const identity = generateIdentity();
  const saved = await saveIdentity(identity, {
    home,
    force: options.force === true,
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.platform === undefined ? {} : { platform: options.platform }),
    ...(passphrase === undefined ? {} : { passphrase }),
  });
  const result = {
    did: identity.did,
    aip_id: identity.aipId,
    public_key_multibase: identity.publicKeyMultibase,
    name: options.name ?? null,
    platform: options.platform ?? null,
    platform_verified: false,
    encrypted: passphrase !== undefined,
    path: saved.path,
    ...(saved.backupPath === undefined ? {} : { backup: saved.backupPath }),
  };
  printResult(options, result, () =>
    [
      `Created identity${options.name ? ` "${options.name}"` : ''}`,
      `  did:    ${identity.did}`,
      `  aip id: ${identity.aipId}`,
      ...(options.platform === undefined ? [] : [`  platform: ${options.platform} (self-asserted, unverified)`]),
      `  file:   ${saved.path}${passphrase === undefined ? '' : ' (encrypted)'}`,
      ...(saved.backupPath === undefined ? [] : [`  backup: ${saved.backupPath}`]),
    ].join('\n'),
  );
  return EXIT_OK;
}
