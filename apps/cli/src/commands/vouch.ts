// `aip vouch DID --scope S [--weight W] [--ttl SEC] [--statement T]`: sign a vouch with the local
// identity and store it in the local trust store. The scope has no default (DESIGN §4): a vouch
// for everything must say `--scope '*'`.
import type { Command } from 'commander';
import { action } from '../action.js';
import { CliError } from '../cli-error.js';
import { EXIT_OK } from '../exit-codes.js';
import type { TrustDbOptions } from '../local-trust.js';
import { type OutputOptions, printResult } from '../output.js';

interface VouchOptions extends TrustDbOptions {
  scope?: string;
  weight: string;
  ttl?: string;
  statement?: string;
}

export function registerVouch(program: Command): void {
  program
    .command('vouch')
    .description('vouch for an agent: a signed, scoped, revocable statement stored in the local trust store')
    .argument('<did>', 'the agent vouched for (did:key, aip:key or z... key)')
    .option(
      '--scope <scope>',
      "what the agent is trusted for (required): kind:name, kind:prefix.* or '*' for everything",
    )
    .option('--weight <w>', 'strength in (0, 1]', '1')
    .option('--ttl <seconds>', 'lifetime of the vouch in seconds (default: no expiry)')
    .option('--statement <text>', 'a short human reason (at most 1024 characters)')
    .option('--db <file>', 'trust store (default $AIP_HOME/trust.db)')
    .action(action(vouch));
}

async function vouch(options: VouchOptions & OutputOptions, did?: string): Promise<number> {
  if (options.scope === undefined) {
    throw new CliError(
      'aip_usage',
      "--scope is required: name what the agent is trusted for (e.g. tool:search, tool:github.*), or '*' for everything",
    );
  }
  const [{ didKeyFromId }, { createVouch, verifyVouch }, { loadLocalIdentity }, { openLocalStore }] = await Promise.all(
    [import('@aip/identity'), import('@aip/trust'), import('../local-identity.js'), import('../local-trust.js')],
  );
  const subject = didKeyFromId(did as string);
  const weight = Number(options.weight);
  if (options.weight.trim() === '' || !Number.isFinite(weight)) {
    throw new CliError('aip_usage', '--weight must be a number in (0, 1]');
  }
  const ttl = options.ttl === undefined ? undefined : Number(options.ttl);
  const { identity } = await loadLocalIdentity();
  const signed = createVouch(identity, {
    subject,
    scope: options.scope,
    weight,
    ...(ttl === undefined ? {} : { ttl }),
    ...(options.statement === undefined ? {} : { statement: options.statement }),
  });
  const verified = verifyVouch(signed);
  const store = openLocalStore(options);
  try {
    store.add({ kind: 'vouch', ...verified });
  } finally {
    store.close();
  }
  printResult(options, { id: verified.id, vouch: signed }, () =>
    [
      `Vouched for ${subject}`,
      `  scope:  ${signed.scope}`,
      `  weight: ${signed.weight}`,
      ...(signed.exp === undefined ? [] : [`  until:  ${new Date(signed.exp * 1000).toISOString()}`]),
      `  id:     ${verified.id}`,
    ].join('\n'),
  );
  return EXIT_OK;
}
