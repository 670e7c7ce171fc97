// `aip did resolve DID`: the DID document, through did-resolver, under the strict key policy.
import { Command } from 'commander';
import { action } from '../action.js';
import { EXIT_NEGATIVE, EXIT_OK } from '../exit-codes.js';
import { type OutputOptions, printResult } from '../output.js';

export function registerDid(program: Command): void {
  const did = new Command('did').description('work with decentralized identifiers');
  did
    .command('resolve')
    .description('resolve a did:key (or an aip:key / z... key) to its DID document')
    .argument('<did>', 'the identifier')
    .action(action(resolve));
  program.addCommand(did);
}

async function resolve(options: OutputOptions, id?: string): Promise<number> {
  const { AipError, didKeyFromId, publicKeyFromDidKey, resolveDid, resolvePublicKey } = await import('@aip/identity');
  try {
    // aip:key and bare keys name the same key as a did:key; did:* goes to the resolver as given.
    const did = (id as string).startsWith('did:') ? (id as string) : didKeyFromId(id as string);
    // The strict key policy first (small-order, non-canonical keys), then the resolver, whose
    // document must carry an acceptable Ed25519 key too.
    if (did.startsWith('did:key:')) publicKeyFromDidKey(did);
    const result = await resolveDid(did);
    await resolvePublicKey(did);
    printResult(options, { did, ...result }, () => JSON.stringify(result.didDocument, null, 2));
    return EXIT_OK;
  } catch (err) {
    if (!(err instanceof AipError)) throw err;
    printResult(options, { error: { code: err.code, message: err.message } }, () => `unresolvable: ${err.message}`);
    return EXIT_NEGATIVE;
  }
}
