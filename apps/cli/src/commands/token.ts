// `aip token issue | delegate | verify | inspect` (DESIGN §7).
import type { VerifiedToken } from '@aip/token';
import { Command } from 'commander';
import { action } from '../action.js';
import { integerOption, listOption, numberOption, repeatOption } from '../arguments.js';
import { CliError } from '../cli-error.js';
import { EXIT_NEGATIVE, EXIT_OK } from '../exit-codes.js';
import { readTokenArgument } from '../input.js';
import { type OutputOptions, printResult } from '../output.js';

export function registerToken(program: Command): void {
  const token = new Command('token').description('issue, delegate, verify and inspect AIP tokens');
  token
    .command('issue')
    .description('issue a token signed by the local identity')
    .usage('--sub <id> --scope <scopes> [options]')
    .requiredOption('--sub <id>', 'required: the holder, a DID (the did:key of the agent that will use it)')
    .requiredOption(
      '--scope <scopes>',
      'required: granted scopes, comma-separated or repeated (e.g. tool:search,tool:github.*)',
      listOption,
    )
    .option('--ttl <seconds>', 'lifetime', integerOption('--ttl', 1), 3600)
    .option('--budget <usd>', 'budget ceiling in USD', numberOption('--budget', 0))
    .option('--max-depth <n>', 'delegation links allowed below it', integerOption('--max-depth', 0, 8), 0)
    .option('--aud <id>', 'the resource the token is for')
    .action(action(issue));
  token
    .command('delegate')
    .description('delegate part of a token you hold to another agent (appends a signed link)')
    .usage('[token] --to <id> --scope <scopes> --context <text> [options]')
    .argument('[token]', 'the token, or "-" / nothing for stdin')
    .requiredOption('--to <id>', 'required: the delegate (did:key)')
    .requiredOption('--scope <scopes>', 'required: scopes to hand over (must be within yours)', listOption)
    .requiredOption('--context <text>', 'required: why, in words (recorded in the chain)')
    .option('--ttl <seconds>', 'lifetime (capped at your own expiry)', integerOption('--ttl', 1))
    .option('--budget <usd>', 'budget ceiling (at most yours)', numberOption('--budget', 0))
    .option('--max-depth <n>', 'further links the delegate may add (below yours)', integerOption('--max-depth', 0, 8))
    .action(action(delegateCommand));
  token
    .command('verify')
    .description('verify a token or delegation chain (exit 0 valid, 1 invalid)')
    .argument('[token]', 'the token, or "-" / nothing for stdin')
    .option(
      '--trust-key <key>',
      'trusted issuer key (did:key, aip:key or z...); repeatable; default: the local identity',
      repeatOption,
      [],
    )
    .option('--aud <id>', 'this resource: a token with aud must name it')
    .option('--scope <scope>', 'the operation to authorize (e.g. tool:search)')
    .option('--at <unix>', 'verify as of this time (Unix seconds)', integerOption('--at', 0))
    .action(action(verifyCommand));
  token
    .command('inspect')
    .description('decode a token without verifying it')
    .argument('[token]', 'the token, or "-" / nothing for stdin')
    .action(action(inspect));
  program.addCommand(token);
}

interface IssueOptions {
  sub: string;
  scope: string[];
  ttl: number;
  budget?: number;
  maxDepth: number;
  aud?: string;
}

/** What the token subcommands need, loaded only when one of them runs. */
async function load() {
  const [identity, node, token, local] = await Promise.all([
    import('@aip/identity'),
    import('@aip/identity/node'),
    import('@aip/token'),
    import('../local-identity.js'),
  ]);
  return { ...identity, ...node, ...token, ...local };
}

// A DID of any method (did:web names a service that will not delegate); did:key must then decode.
const DID_SYNTAX = /^did:[a-z0-9]+:[A-Za-z0-9._:%-]*[A-Za-z0-9_%-]$/;

/**
 * The `--sub` of a new token: a did:key (or aip:key / z... key, named as its did:key) that really
 * decodes, or a DID of another method. A placeholder such as `did:key:z6MkOrchestrator...` would mint
 * a token nobody can ever hold: refused.
 */
async function holderOf(sub: string): Promise<string> {
  const { AipError, didKeyFromId, isSelfCertifyingId } = await load();
  const isKey = isSelfCertifyingId(sub) || sub.startsWith('z');
  if (!isKey && DID_SYNTAX.test(sub)) return sub;
  try {
    if (!isKey) throw new AipError('aip_identity_unresolvable', 'not a DID');
    const did = didKeyFromId(sub);
    return sub.startsWith('z') ? did : sub;
  } catch (err) {
    if (!(err instanceof AipError)) throw err;
    const shown = sub.length > 60 ? `${sub.slice(0, 60)}...` : sub;
    throw new CliError(
      'aip_usage',
      `--sub ${JSON.stringify(shown)} is not a valid identity (${err.message}); use the holder's did:key, as "aip whoami" prints it`,
    );
  }
}

async function issue(options: IssueOptions & OutputOptions): Promise<number> {
  const { decodeToken, issueToken, loadLocalIdentity } = await load();
  const sub = await holderOf(options.sub);
  const { identity } = await loadLocalIdentity();
  const token = issueToken(identity, {
    sub,
    scope: options.scope,
    ttl: options.ttl,
    budgetUsd: options.budget ?? null,
    maxDepth: options.maxDepth,
    ...(options.aud === undefined ? {} : { aud: options.aud }),
  });
  const [segment] = decodeToken(token);
  printResult(options, { token, claims: segment?.claims }, () => token);
  return EXIT_OK;
}

interface DelegateOptions {
  to: string;
  scope: string[];
  context: string;
  ttl?: number;
  budget?: number;
  maxDepth?: number;
}

async function delegateCommand(options: DelegateOptions & OutputOptions, tokenArg?: string): Promise<number> {
  const { decodeToken, delegate, loadLocalIdentity } = await load();
  const token = await readTokenArgument(tokenArg);
  const { identity } = await loadLocalIdentity();
  const chain = delegate(token, identity, {
    to: options.to,
    scope: options.scope,
    context: options.context,
    ...(options.ttl === undefined ? {} : { ttl: options.ttl }),
    ...(options.budget === undefined ? {} : { budgetUsd: options.budget }),
    ...(options.maxDepth === undefined ? {} : { maxDepth: options.maxDepth }),
  });
  const segments = decodeToken(chain);
  printResult(
    options,
    { token: chain, link: segments[segments.length - 1]?.claims, links: segments.length - 1 },
    () => chain,
  );
  return EXIT_OK;
}

interface VerifyOptions {
  trustKey: string[];
  aud?: string;
  scope?: string;
  at?: number;
}

async function verifyCommand(options: VerifyOptions & OutputOptions, tokenArg?: string): Promise<number> {
  const { AipError, createTokenVerifier, readIdentityInfo } = await load();
  const token = await readTokenArgument(tokenArg);
  let trustedKeys = options.trustKey;
  if (trustedKeys.length === 0) {
    const local = await readIdentityInfo().catch(() => undefined);
    if (local === undefined)
      throw new CliError('aip_usage', 'no trusted issuer: pass --trust-key KEY or run "aip init"');
    trustedKeys = [local.did];
  }
  let verifier: ReturnType<typeof createTokenVerifier>;
  try {
    verifier = createTokenVerifier({ trustedKeys, ...(options.aud === undefined ? {} : { audience: options.aud }) });
  } catch (err) {
    if (err instanceof AipError) throw new CliError('aip_usage', `--trust-key: ${err.message}`);
    throw err;
  }
  try {
    const verified = verifier.verify(token, {
      ...(options.at === undefined ? {} : { now: options.at }),
      ...(options.scope === undefined ? {} : { scope: options.scope }),
    });
    printResult(options, verdict(verified), () => describeValid(verified));
    return EXIT_OK;
  } catch (err) {
    if (!(err instanceof AipError)) throw err;
    // The one code-to-status table of @aip/identity (DESIGN §3).
    const { httpStatusOf } = await load();
    const status = httpStatusOf(err.code);
    printResult(
      options,
      { valid: false, code: err.code, status, message: err.message },
      () => `invalid: ${err.code} (${status}): ${err.message}`,
    );
    return EXIT_NEGATIVE;
  }
}

function verdict(v: VerifiedToken) {
  return {
    valid: true,
    issuer: v.issuer,
    subject: v.subject,
    scope: v.scope,
    budget_usd: v.budgetUsd,
    max_depth: v.maxDepth,
    expires_at: v.expiresAt,
    chain: v.chain,
    warnings: v.warnings,
  };
}

function describeValid(v: VerifiedToken): string {
  const lines = [
    'valid',
    `  issuer:  ${v.issuer}`,
    `  subject: ${v.subject}`,
    `  scope:   ${v.scope.join(', ')}`,
    `  budget:  ${v.budgetUsd === null ? 'none' : `$${v.budgetUsd}`}`,
    `  depth:   ${v.maxDepth} more link(s) allowed`,
    `  expires: ${new Date(v.expiresAt * 1000).toISOString()}`,
    `  chain:   ${v.chain.map((l) => l.sub).join(' -> ')}`,
  ];
  for (const w of v.warnings) lines.push(`  warning: ${w.message}`);
  return lines.join('\n');
}

async function inspect(options: OutputOptions, tokenArg?: string): Promise<number> {
  const { decodeToken } = await load();
  const token = await readTokenArgument(tokenArg);
  const segments = decodeToken(token);
  printResult(options, { verified: false, segments }, () =>
    [
      'NOT VERIFIED: decoded only',
      ...segments.map(
        (s, i) => `${i === 0 ? 'token' : `link ${i}`} (${s.type}, id ${s.id})\n${JSON.stringify(s.claims, null, 2)}`,
      ),
    ].join('\n'),
  );
  return EXIT_OK;
}
