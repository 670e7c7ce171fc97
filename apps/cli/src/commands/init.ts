// `aip init [--name N] [--platform P/ACCOUNT] [--force] [--encrypt] [--recovery-file F]`: mint an
// identity into $AIP_HOME, with its next key in a separate recovery file and its inception stored
// in the local trust store (DESIGN §11).
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
  recoveryFile?: string;
  db?: string;
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
    .option('--encrypt', 'encrypt the keys at rest with a passphrase ($AIP_PASSPHRASE or a prompt)')
    .option(
      '--recovery-file <file>',
      'where to write the next key, which alone can rotate the identity (default $AIP_HOME/recovery.json; keep it offline)',
    )
    .option('--db <file>', 'trust store that keeps the inception (default $AIP_HOME/trust.db)')
    .action(action(init));
}

async function init(options: InitOptions & OutputOptions): Promise<number> {
  const [
    { createInception, generateIdentity, IdentityError, isPlatformClaim },
    { defaultAipHome, identityExists, saveIdentity },
    { RECOVERY_NOTE, recoveryPath, storeKeyEvent },
    { openLocalStore },
  ] = await Promise.all([
    import('@aip/identity'),
    import('@aip/identity/node'),
    import('../local-lineage.js'),
    import('../local-trust.js'),
  ]);
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
  const recoveryFile = recoveryPath(options.recoveryFile);
  if (!options.force && (await identityExists({ home, file: recoveryFile }))) {
    throw new IdentityError(
      'aip_identity_exists',
      `a recovery file already exists at ${recoveryFile} (use --force to replace it; a backup is kept)`,
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
  const next = generateIdentity();
  // The recovery file first: an identity is never left without the key that can rotate it.
  const recovery = await saveIdentity(next, {
    home,
    file: recoveryFile,
    force: options.force === true,
    note: RECOVERY_NOTE,
    ...(passphrase === undefined ? {} : { passphrase }),
  });
  const saved = await saveIdentity(identity, {
    home,
    force: options.force === true,
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.platform === undefined ? {} : { platform: options.platform }),
    ...(passphrase === undefined ? {} : { passphrase }),
  });
  const inception = createInception(identity, { next: next.publicKey });
  const store = openLocalStore(options);
  let inceptionId: string;
  try {
    inceptionId = await storeKeyEvent(store, inception);
  } finally {
    store.close();
  }
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
    recovery_file: recovery.path,
    ...(recovery.backupPath === undefined ? {} : { recovery_backup: recovery.backupPath }),
    inception: inceptionId,
  };
  printResult(options, result, () =>
    [
      `Created identity${options.name ? ` "${options.name}"` : ''}`,
      `  did:    ${identity.did}`,
      `  aip id: ${identity.aipId}`,
      ...(options.platform === undefined ? [] : [`  platform: ${options.platform} (self-asserted, unverified)`]),
      `  file:   ${saved.path}${passphrase === undefined ? '' : ' (encrypted)'}`,
      ...(saved.backupPath === undefined ? [] : [`  backup: ${saved.backupPath}`]),
      `  recovery: ${recovery.path}${passphrase === undefined ? '' : ' (encrypted)'}`,
      ...(recovery.backupPath === undefined ? [] : [`  recovery backup: ${recovery.backupPath}`]),
      `  ${RECOVERY_NOTE}`,
    ].join('\n'),
  );
  return EXIT_OK;
}
