// `aip sign [FILE|-] [--out F] [--force]`: a detached signature of a file or stdin.
import type { Command } from 'commander';
import { action } from '../action.js';
import { outputError } from '../cli-error.js';
import { EXIT_OK } from '../exit-codes.js';
import { hashInput } from '../input.js';
import { type OutputOptions, printResult } from '../output.js';

interface SignOptions {
  out?: string;
  force?: boolean;
}

export function registerSign(program: Command): void {
  program
    .command('sign')
    .description('sign a file (or stdin) with the local identity; prints or writes a detached signature')
    .argument('[file]', 'file to sign, "-" or nothing for stdin')
    .option('--out <file>', 'write the signature here instead of stdout')
    .option('--force', 'overwrite --out if it exists')
    .action(action(sign));
}

async function sign(options: SignOptions & OutputOptions, file?: string): Promise<number> {
  const digest = await hashInput(file, 'content to sign');
  const [{ createDetachedSignature }, { writeFileAtomic }, { loadLocalIdentity }] = await Promise.all([
    import('@aip/identity'),
    import('@aip/identity/node'),
    import('../local-identity.js'),
  ]);
  const { identity } = await loadLocalIdentity();
  const envelope = createDetachedSignature(identity, digest);
  const serialized = `${JSON.stringify(envelope, null, 2)}\n`;
  if (options.out === undefined) {
    process.stdout.write(serialized);
    return EXIT_OK;
  }
  try {
    await writeFileAtomic(options.out, serialized, { mode: 0o644, overwrite: options.force === true });
  } catch (err) {
    throw outputError(options.out, err);
  }
  printResult(
    options,
    { out: options.out, signer: envelope.signer, sha256: envelope.digest.value, size: envelope.size },
    () => `Signed ${file ?? 'stdin'} (${envelope.size} bytes) as ${envelope.signer}\n  signature: ${options.out}`,
  );
  return EXIT_OK;
}
