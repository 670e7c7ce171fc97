// `aip publish URL`: push the local identity's signed profile (proving key possession through a
// challenge-response), and its vouches and revocations from the local trust store, to a registry.

import type { KeyEvent } from '@aip/identity';
import type { Profile, PublishOutcome } from '@aip/registry';
import type { Revocation, Vouch } from '@aip/trust';
import type { Command } from 'commander';
import { action } from '../action.js';
import { listOption } from '../arguments.js';
import { CliError } from '../cli-error.js';
import { EXIT_NEGATIVE, EXIT_OK } from '../exit-codes.js';
import type { TrustDbOptions } from '../local-trust.js';
import { type OutputOptions, printResult } from '../output.js';

interface PublishOptions extends TrustDbOptions {
  name?: string;
  description?: string;
  endpoint: string[];
  profile: boolean;
}

interface Tally {
  accepted: number;
  duplicate: number;
  rejected: number;
}

export function registerPublish(program: Command): void {
  program
    .command('publish')
    .description('publish your signed profile, vouches and revocations to a registry (exit 1: some refused)')
    .argument('<url>', 'the registry, e.g. http://127.0.0.1:8470')
    .option('--name <name>', 'profile name (default: the name given to aip init)')
    .option('--description <text>', 'what this agent does (at most 1024 characters)')
    .option('--endpoint <url>', 'where to reach this agent (http or https); repeatable', listOption, [])
    .option('--no-profile', 'publish vouches and revocations only')
    .option('--db <file>', 'trust store (default $AIP_HOME/trust.db)')
    .action(action(publish));
}

async function publish(options: PublishOptions & OutputOptions, url?: string): Promise<number> {
  const [
    { readIdentityInfo },
    { createProfile, createRegistration, RegistryClient, verifyProfile },
    { vouchId },
    { loadLocalIdentity },
    { openLocalStore },
  ] = await Promise.all([
    import('@aip/identity/node'),
    import('@aip/registry'),
    import('@aip/trust'),
    import('../local-identity.js'),
    import('../local-trust.js'),
  ]);
  const client = new RegistryClient(url as string);
  const info = await readIdentityInfo();
  const name = options.name ?? info.name ?? undefined;
  if (options.profile && name === undefined) {
    throw new CliError('aip_usage', 'the profile needs a name: pass --name (or --no-profile)');
  }
  // Read what to send before unlocking the key: vouches first, then revocations, in arrival order.
  // Expired vouches are not sent (a registry refuses them), nor revocations of them.
  const now = Math.floor(Date.now() / 1000);
  const vouches: Vouch[] = [];
  const revocations: Revocation[] = [];
  const expired = new Set<string>();
  const keyEvents: KeyEvent[] = [];
  const store = openLocalStore(options);
  try {
    // The key events of this identity's lineage (DESIGN §11): its inception, rotations, revocations.
    const lineage = store.keyState().lineage(info.did)?.keys ?? [info.did];
    for (const { event } of store.keyEvents()) {
      if (lineage.includes(event.key) || (event.event === 'rotation' && lineage.includes(event.prior))) {
        keyEvents.push(event);
      }
    }
    for (const line of store.exportLines()) {
      const object = JSON.parse(line) as Vouch | Revocation | KeyEvent;
      if (object.type === 'aip-key-event/1' || object.voucher !== info.did) continue;
      if (object.type === 'aip-revocation/1') {
        if (!expired.has(object.vouch)) revocations.push(object);
      } else if (object.exp !== undefined && object.exp <= now) expired.add(vouchId(object));
      else vouches.push(object);
    }
  } finally {
    store.close();
  }
  const { identity } = await loadLocalIdentity();
  const errors: { kind: string; code: string; message: string }[] = [];
  const count = (tally: Tally, kind: string, outcome: PublishOutcome) => {
    // Already revoked there: what this revocation (or re-sent vouch) would say is already said.
    if (outcome.status === 'rejected' && outcome.code === 'aip_vouch_revoked') tally.duplicate++;
    else if (outcome.status === 'rejected') {
      tally.rejected++;
      errors.push({ kind, code: outcome.code, message: outcome.message });
    } else tally[outcome.status]++;
  };

  let profile: { status: string; id?: string } = { status: 'skipped' };
  if (options.profile) {
    const wanted = {
      name: name as string,
      description: options.description ?? '',
      endpoints: options.endpoint,
      ...(info.platform === null ? {} : { platform: info.platform }),
    };
    const current = await client.profileOf(identity.did);
    if (current !== undefined && sameProfile(current, wanted)) {
      profile = { status: 'unchanged', id: verifyProfile(current).id };
    } else {
      const signed = createProfile(identity, wanted);
      const { id } = verifyProfile(signed);
      const { challenge } = await client.challenge(identity.did);
      const outcome = await client.publishProfile(signed, createRegistration(identity, { challenge, profile: id }));
      if (outcome.status === 'rejected') errors.push({ kind: 'profile', code: outcome.code, message: outcome.message });
      profile = { status: outcome.status, id };
    }
  }
  // Key events first: a verifier learns a key was rotated or revoked before anything else it signed.
  const keyEventTally: Tally = { accepted: 0, duplicate: 0, rejected: 0 };
  for (const event of keyEvents) count(keyEventTally, 'key event', await client.publishKeyEvent(event));
  const vouchTally: Tally = { accepted: 0, duplicate: 0, rejected: 0 };
  for (const vouch of vouches) count(vouchTally, 'vouch', await client.publishVouch(vouch));
  const revocationTally: Tally = { accepted: 0, duplicate: 0, rejected: 0 };
  for (const revocation of revocations)
    count(revocationTally, 'revocation', await client.publishRevocation(revocation));

  const result = {
    registry: client.url,
    did: identity.did,
    profile,
    vouches: vouchTally,
    revocations: revocationTally,
    key_events: keyEventTally,
    expired: expired.size,
    errors,
  };
  const line = (what: string, t: Tally) =>
    `  ${what}: ${t.accepted} published, ${t.duplicate} already there${t.rejected > 0 ? `, ${t.rejected} refused` : ''}`;
  printResult(options, result, () =>
    [
      `Published to ${client.url}`,
      `  profile:     ${profile.status}`,
      line('vouches    ', vouchTally),
      line('revocations', revocationTally),
      line('key events ', keyEventTally),
      ...(expired.size > 0 ? [`  ${expired.size} expired vouch(es) not sent`] : []),
      ...errors.map((e) => `  refused ${e.kind}: ${e.code}: ${e.message}`),
    ].join('\n'),
  );
  return errors.length === 0 ? EXIT_OK : EXIT_NEGATIVE;
}

function sameProfile(
  current: Profile,
  wanted: { name: string; description: string; endpoints: string[]; platform?: string },
): boolean {
  return (
    current.name === wanted.name &&
    current.description === wanted.description &&
    JSON.stringify(current.endpoints) === JSON.stringify(wanted.endpoints) &&
    current.platform === wanted.platform
  );
}
