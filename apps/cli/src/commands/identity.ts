// `aip identity revoke [--reason R]` (declare the working key compromised, signed with the recovery
// key when the recovery file is at hand) and `aip identity log [DID]` (an identity's lineage), over
// the key events of the local trust store (DESIGN §11).
import type { Command } from 'commander';
import { action } from '../action.js';
import { CliError } from '../cli-error.js';
import { EXIT_OK } from '../exit-codes.js';
import type { TrustDbOptions } from '../local-trust.js';
import { type OutputOptions, printResult } from '../output.js';

interface RevokeOptions extends TrustDbOptions {
  reason?: string;
  recoveryFile?: string;
  self?: boolean;
}

export function registerIdentity(program: Command): void {
  const identity = program
    .command('identity')
    .description('the lifecycle of your identity: revoke a key, show a lineage');
  identity
    .command('revoke')
    .description('declare your working key compromised: it signs nothing valid any more (then run "aip rotate")')
    .option('--reason <text>', 'a short reason, published with the revocation')
    .option('--recovery-file <file>', 'sign with the recovery key in this file (default $AIP_HOME/recovery.json)')
    .option('--self', 'sign with the working key itself, even when the recovery file is at hand')
    .option('--db <file>', 'trust store holding the key events (default $AIP_HOME/trust.db)')
    .action(action(revoke));
  identity
    .command('log')
    .description("an identity's lineage: its keys, which were rotated or revoked, and whether a next key is committed")
    .argument('[did]', 'any key of the identity (default: yours)')
    .option('--db <file>', 'trust store holding the key events (default $AIP_HOME/trust.db)')
    .action(action(log));
}

async function revoke(options: RevokeOptions & OutputOptions): Promise<number> {
  const [
    { computeKeyState, createKeyRevocation, IdentityError, MAX_REASON_LENGTH },
    { identityExists, loadIdentity, readIdentityInfo },
    { recoveryPath },
    { verifyTrustObject },
    { loadLocalIdentity },
    { openLocalStore },
    { readPassphrase },
  ] = await Promise.all([
    import('@aip/identity'),
    import('@aip/identity/node'),
    import('../local-lineage.js'),
    import('@aip/trust'),
    import('../local-identity.js'),
    import('../local-trust.js'),
    import('../passphrase.js'),
  ]);
  const reason = options.reason;
  if (reason !== undefined && (reason.length === 0 || reason.length > MAX_REASON_LENGTH || /\p{Cc}/u.test(reason))) {
    throw new CliError('aip_usage', `--reason must be 1 to ${MAX_REASON_LENGTH} characters without control characters`);
  }
  const working = await readIdentityInfo();
  const recoveryFile = recoveryPath(options.recoveryFile);
  const withRecovery = options.self !== true && (await identityExists({ file: recoveryFile }));
  if (options.recoveryFile !== undefined && !withRecovery && options.self !== true) {
    throw new CliError('aip_input_unreadable', `no recovery file at ${recoveryFile}`);
  }
  const signer = withRecovery
    ? (
        await loadIdentity({
          file: recoveryFile,
          passphrase: () => readPassphrase({ purpose: 'to unlock the recovery key' }),
        })
      ).identity
    : (await loadLocalIdentity()).identity;
  const event = createKeyRevocation(signer, { key: working.did, ...(reason === undefined ? {} : { reason }) });
  const store = openLocalStore(options);
  try {
    const verified = verifyTrustObject(event);
    if (verified.kind !== 'key-event') throw new TypeError('not a key event');
    // Stored only when it takes effect: a recovery key this identity never committed to changes nothing.
    if (computeKeyState([...store.keyEvents(), verified]).key(working.did)?.revoked === undefined) {
      throw new IdentityError(
        'aip_key_event_unauthorized',
        'the recovery key is not the next key this identity committed to (see "aip identity log")',
      );
    }
    store.add(verified);
    const id = verified.id;
    printResult(options, { revoked: working.did, revocation: id, signed_by: withRecovery ? 'recovery' : 'self' }, () =>
      [
        `Revoked ${working.did}`,
        `  signed by: the ${withRecovery ? 'recovery' : 'working'} key`,
        withRecovery
          ? '  next: run "aip rotate" to continue the identity with the recovery key'
          : '  next: run "aip rotate" with the recovery file to continue the identity',
      ].join('\n'),
    );
    return EXIT_OK;
  } finally {
    store.close();
  }
}

async function log(options: TrustDbOptions & OutputOptions, did?: string): Promise<number> {
  const [{ readIdentityInfo }, { describeLineage }, { openLocalStore }] = await Promise.all([
    import('@aip/identity/node'),
    import('@aip/identity'),
    import('../local-trust.js'),
  ]);
  const subject = did ?? (await readIdentityInfo()).did;
  if (!subject.startsWith('did:key:z') || subject.length > 128) throw new CliError('aip_usage', 'expected a did:key');
  const store = openLocalStore(options);
  try {
    const state = store.keyState();
    const lineage = state.lineage(subject);
    const result = describeLineage(state, subject);
    const { keys } = result;
    printResult(options, result, () =>
      [
        lineage === undefined ? `No key events for ${subject}` : `Lineage of ${lineage.root}`,
        ...keys.map((k) => {
          const at = (t: number) => new Date(t * 1000).toISOString();
          const detail =
            k.status === 'revoked'
              ? `revoked ${at(k.revoked_at as number)}${k.cause === 'duplicity' ? ' (two events established it)' : ''}${
                  k.reason === undefined ? '' : `: ${k.reason}`
                }`
              : k.status === 'rotated'
                ? `rotated ${at(k.rotated_at as number)}`
                : 'current';
          return `  ${k.did}  ${detail}`;
        }),
        ...(lineage === undefined
          ? []
          : [
              lineage.frozen
                ? '  frozen: no rotation is honoured'
                : `  next key committed: ${lineage.next !== undefined}`,
            ]),
      ].join('\n'),
    );
    return EXIT_OK;
  } finally {
    store.close();
  }
}
