// `aip verify SIGFILE [FILE|-] [--signer DID]`: check a detached signature (exit 0 valid, 1 invalid).
import type { DetachedContent } from '@aip/identity';
import type { Command } from 'commander';
import { action } from '../action.js';
import { EXIT_NEGATIVE, EXIT_OK } from '../exit-codes.js';
import { hashInput, readInput, readSmallFile } from '../input.js';
import { type OutputOptions, printResult } from '../output.js';

const MAX_SIGNATURE_FILE = 16 * 1024;
const MAX_JSON_CONTENT = 64 * 1024 * 1024;

interface VerifyOptions {
  signer?: string;
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('verify a detached signature against a file (or stdin)')
    .argument('<sigfile>', 'the signature written by "aip sign"')
    .argument('[file]', 'the signed content, "-" or nothing for stdin')
    .option('--signer <id>', 'also require this signer (did:key, aip:key or z... key)')
    .action(action(verify));
}

async function verify(options: VerifyOptions & OutputOptions, sigfile?: string, file?: string): Promise<number> {
  const { AipError, didKeyFromId, parseDetachedSignature, verifyDetachedSignature } = await import('@aip/identity');
  const text = await readSmallFile(sigfile as string, 'signature file', MAX_SIGNATURE_FILE);
  const requiredSigner = options.signer === undefined ? undefined : didKeyFromId(options.signer);
  try {
    const envelope = parseDetachedSignature(text);
    // Exact bytes are hashed as a stream; canonical JSON has to be parsed whole.
    const content: DetachedContent =
      envelope.canonicalization === 'jcs'
        ? await readInput(file, 'signed content', MAX_JSON_CONTENT)
        : await hashInput(file, 'signed content');
    const result = verifyDetachedSignature(
      envelope,
      content,
      requiredSigner === undefined ? {} : { signer: requiredSigner },
    );
    printResult(
      options,
      { valid: true, ...result },
      () => `valid: signed by ${result.signer} at ${new Date(result.iat * 1000).toISOString()} (${result.size} bytes)`,
    );
    return EXIT_OK;
  } catch (err) {
    if (!(err instanceof AipError)) throw err;
    printResult(options, { valid: false, code: err.code, message: err.message }, () => `invalid: ${err.message}`);
    return EXIT_NEGATIVE;
  }
}
