// `aip revoke VOUCH_ID`: withdraw one of the local identity's vouches (signed revocation, stored).
import type { Command } from 'commander';
import { action } from '../action.js';
import { CliError } from '../cli-error.js';
import { EXIT_OK } from '../exit-codes.js';
import type { TrustDbOptions } from '../local-trust.js';
import { type OutputOptions, printResult } from '../output.js';

const VOUCH_ID = /^[A-Za-z0-9_-]{43}$/;

export function registerRevoke(program: Command): void {
  program
    .command('revoke')
    .description('revoke one of your vouches by id (it never becomes active again)')
    .argument('<vouch-id>', 'the id printed by "aip vouch" (43 characters)')
    .option('--db <file>', 'trust store (default $AIP_HOME/trust.db)')
    // Ids are base64url: one in 64 starts with "-" and must not be taken for an option.
    .allowUnknownOption()
    .action(action(revoke));
}

async function revoke(options: TrustDbOptions & OutputOptions, id?: string): Promise<number> {
  if (id === undefined || !VOUCH_ID.test(id)) {
    throw new CliError('aip_usage', `expected a vouch id (43 base64url characters), got "${String(id).slice(0, 50)}"`);
  }
  const [
    { readIdentityInfo },
    { createRevocation, TrustError, verifyRevocation },
    { loadLocalIdentity },
    { openLocalStore },
  ] = await Promise.all([
    import('@aip/identity/node'),
    import('@aip/trust'),
    import('../local-identity.js'),
    import('../local-trust.js'),
  ]);
  const store = openLocalStore(options);
  try {
    const stored = store.getVouch(id as string);
    if (stored === undefined) {
      throw new TrustError('aip_vouch_unknown', 'no vouch with this id in the trust store');
    }
    // Refuse before asking for a passphrase: whose vouch it is needs only the public identity.
    if (stored.vouch.voucher !== (await readIdentityInfo()).did) {
      throw new TrustError('aip_revocation_unauthorized', 'only the voucher of a vouch can revoke it');
    }
    if (stored.revoked) {
      printResult(options, { vouch: stored.id, revoked: true, already: true }, () => `already revoked: ${stored.id}`);
      return EXIT_OK;
    }
    const { identity } = await loadLocalIdentity();
    const revocation = createRevocation(identity, stored.id);
    const verified = verifyRevocation(revocation);
    store.add({ kind: 'revocation', ...verified });
    printResult(options, { id: verified.id, vouch: stored.id, revoked: true, revocation }, () =>
      [`Revoked vouch ${stored.id}`, `  for:   ${stored.vouch.subject}`, `  scope: ${stored.vouch.scope}`].join('\n'),
    );
    return EXIT_OK;
  } finally {
    store.close();
  }
}
