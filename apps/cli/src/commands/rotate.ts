// `aip rotate [--recovery-file F] [--out F] [--force]`: promote the recovery key to working key,
// commit to a fresh next key written to a new recovery file, and store the signed rotation
// (DESIGN §11). Every replaced key file is kept as a timestamped backup.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { action } from '../action.js';
import { CliError } from '../cli-error.js';
import { EXIT_OK } from '../exit-codes.js';
import type { TrustDbOptions } from '../local-trust.js';
import { type OutputOptions, printResult } from '../output.js';

interface RotateOptions extends TrustDbOptions {
  recoveryFile?: string;
  out?: string;
  force?: boolean;
}

export function registerRotate(program: Command): void {
  program
    .command('rotate')
    .description('hand the identity to its committed next key (from the recovery file) and commit to a new one')
    .option('--recovery-file <file>', 'the recovery file "aip init" wrote (default $AIP_HOME/recovery.json)')
    .option('--out <file>', 'where to write the new recovery file (default: replace the one read, keeping a backup)')
    .option('--force', 'let --out replace an existing file')
    .option('--db <file>', 'trust store holding the key events (default $AIP_HOME/trust.db)')
    .action(action(rotate));
}

async function rotate(options: RotateOptions & OutputOptions): Promise<number> {
  const [
    { createRotation, generateIdentity },
    { defaultAipHome, loadIdentity, readIdentityInfo, saveIdentity },
    { RECOVERY_NOTE, establishingEvent, recoveryPath, storeKeyEvent },
    { openLocalStore },
    { readPassphrase },
  ] = await Promise.all([
    import('@aip/identity'),
    import('@aip/identity/node'),
    import('../local-lineage.js'),
    import('../local-trust.js'),
    import('../passphrase.js'),
  ]);
  const home = defaultAipHome();
  const recoveryFile = recoveryPath(options.recoveryFile);
  const out = options.out === undefined ? recoveryFile : path.resolve(options.out);
  if (options.out !== undefined && !options.force && existsSync(out)) {
    throw new CliError('aip_output_exists', `${out} exists (use --force to replace it)`);
  }
  const current = await readIdentityInfo({ home });
  const stored = await readIdentityInfo({ home, file: recoveryFile });
  const store = openLocalStore(options);
  try {
    // Everything that can be refused is refused before a passphrase is asked for.
    const established = await establishingEvent(store, current.did);
    let passphrase: string | undefined;
    if (stored.encrypted || current.encrypted) {
      passphrase = await readPassphrase({ purpose: 'to unlock the recovery key' });
    }
    const { identity: recovery } = await loadIdentity({
      home,
      file: recoveryFile,
      ...(passphrase === undefined ? {} : { passphrase }),
    });
    const next = generateIdentity();
    const rotation = createRotation(recovery, { established, next: next.publicKey });
    // The new next key is on disk before anything refers to it; every replaced file is backed up.
    const newRecovery = await saveIdentity(next, {
      home,
      file: out,
      force: true,
      note: RECOVERY_NOTE,
      ...(passphrase === undefined ? {} : { passphrase }),
    });
    const working = await saveIdentity(recovery, {
      home,
      force: true,
      ...(current.name === null ? {} : { name: current.name }),
      ...(current.platform === null ? {} : { platform: current.platform }),
      ...(passphrase === undefined ? {} : { passphrase }),
    });
    const id = await storeKeyEvent(store, rotation);
    const result = {
      did: recovery.did,
      prior: current.did,
      rotation: id,
      recovery_file: newRecovery.path,
      ...(working.backupPath === undefined ? {} : { backup: working.backupPath }),
      ...(newRecovery.backupPath === undefined ? {} : { recovery_backup: newRecovery.backupPath }),
    };
    printResult(options, result, () =>
      [
        'Rotated the identity to its committed next key',
        `  did:      ${recovery.did}`,
        `  prior:    ${current.did} (refused for anything dated from now on)`,
        `  recovery: ${newRecovery.path}`,
        ...(working.backupPath === undefined ? [] : [`  backup:   ${working.backupPath}`]),
        `  ${RECOVERY_NOTE}`,
      ].join('\n'),
    );
    return EXIT_OK;
  } finally {
    store.close();
  }
}
