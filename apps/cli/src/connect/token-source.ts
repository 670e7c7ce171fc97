// The token `aip connect` presents — from a file, an environment variable or a command — kept
// fresh: a command is run again (a file read again) once a third of the token's lifetime is left
// (at least 1 s, at most 60 s before it expires), ahead of any request, so long sessions outlive
// short tokens. Each new token is decoded (its expiry, its holder) before it is used; one that
// cannot be used keeps the old one in place. The command runs through /bin/sh, as the user wrote
// it in their client's configuration (`AIP_HOME=... aip token delegate ...`).
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { decodeToken, looksLikeAipToken } from '@aip/token';
import { CliError } from '../cli-error.js';
import { type ConnectLog, silentLog } from './log.js';

export type TokenOrigin =
  | { kind: 'file'; path: string }
  | { kind: 'env'; name: string }
  | { kind: 'command'; command: string };

export interface TokenSourceOptions {
  origin: TokenOrigin;
  /** Milliseconds since the epoch (tests freeze it). */
  now?: () => number;
  /** Runs `fn` after `ms`; returns a cancel function. */
  schedule?: (fn: () => void, ms: number) => () => void;
  env?: Record<string, string | undefined>;
  /** Runs the token command, resolving to its stdout. */
  runCommand?: (command: string) => Promise<string>;
  readText?: (path: string) => Promise<string>;
  /** Why a token cannot be used (e.g. held by another identity), or `undefined`. */
  refuse?: (token: string) => string | undefined;
  log?: ConnectLog;
}

const MAX_OUTPUT = 64 * 1024;
const COMMAND_TIMEOUT_MS = 30_000;
const RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;
// Never ask a command in a tight loop, whatever the tokens it returns.
const MIN_WAIT_MS = 500;

/**
 * When a token (or chain) stops being valid — its earliest `exp` — and when to renew it: once a
 * third of the lifetime of its newest segment is left, clamped to 1..60 s. Unix seconds.
 *
 * @example
 * ```ts
 * tokenTimes(token); // { expiresAt: 1764000600, renewAt: 1764000540 }
 * ```
 */
export function tokenTimes(token: string): { expiresAt: number; renewAt: number } {
  let expiresAt = Number.POSITIVE_INFINITY;
  let issuedAt = Number.NEGATIVE_INFINITY;
  for (const { claims } of decodeToken(token)) {
    expiresAt = Math.min(expiresAt, claims.exp);
    issuedAt = Math.max(issuedAt, claims.iat);
  }
  const margin = Math.min(60, Math.max(1, (expiresAt - issuedAt) / 3));
  return { expiresAt, renewAt: expiresAt - margin };
}

function runShell(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), COMMAND_TIMEOUT_MS);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.length > MAX_OUTPUT) child.kill('SIGKILL');
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(signal === null ? `exited with ${code}` : `was killed (${signal})`));
    });
  });
}

/** A token from text a command printed or a file holds: the text itself, or `{"token"}` (`--json`). */
function tokenIn(text: string): string {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed = JSON.parse(trimmed) as { token?: unknown };
      if (typeof parsed.token === 'string') return parsed.token.trim();
    } catch {
      // not JSON: the text is the token
    }
  }
  return trimmed;
}

export class TokenSource {
  readonly #options: TokenSourceOptions;
  readonly #now: () => number;
  readonly #log: ConnectLog;
  #token: string | undefined;
  #times = { expiresAt: 0, renewAt: 0 };
  #renewing: Promise<boolean> | undefined;
  #cancel: (() => void) | undefined;
  #closed = false;
  #warnedExpired = false;
  /** Consecutive asks that brought nothing new, and when the source may be asked again (ms). */
  #misses = 0;
  #nextAsk = 0;

  constructor(options: TokenSourceOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#log = options.log ?? silentLog;
  }

  /** Where the token comes from, for messages (never the token). */
  describe(): string {
    const { origin } = this.#options;
    return origin.kind === 'file'
      ? `the token in ${origin.path}`
      : origin.kind === 'env'
        ? `the token in $${origin.name}`
        : 'the token from --token-command';
  }

  /** What kind of source it is. */
  get kind(): TokenOrigin['kind'] {
    return this.#options.origin.kind;
  }

  /** Whether asking again can bring a new token (a command, or a file someone may replace). */
  get renewable(): boolean {
    return this.#options.origin.kind !== 'env';
  }

  /** Unix seconds. */
  get expiresAt(): number {
    return this.#times.expiresAt;
  }

  /** Loads the first token; throws `CliError` when there is none that can be used. */
  async start(): Promise<void> {
    const failure = await this.#load();
    if (failure !== undefined) throw new CliError('aip_usage', `${this.describe()}: ${failure}`);
    this.#plan();
  }

  /** The token in use. */
  current(): string {
    if (this.#token === undefined) throw new Error('the token source was not started');
    return this.#token;
  }

  /** The token, renewed first when it is due (a command's run is shared by concurrent callers). */
  async fresh(): Promise<string> {
    if (this.renewable && this.#now() / 1000 >= this.#times.renewAt) await this.renew();
    return this.current();
  }

  /**
   * Asks the source again (at once, or after the back-off of asks that brought nothing new);
   * resolves to whether the token changed.
   */
  renew(): Promise<boolean> {
    if (!this.renewable || this.#now() < this.#nextAsk) return Promise.resolve(false);
    this.#renewing ??= (async () => {
      const before = this.#token;
      const failure = await this.#load();
      const changed = this.#token !== before;
      if (failure !== undefined) this.#log.warn(`could not renew ${this.describe()}: ${failure}`);
      else if (changed) this.#log.info(`renewed ${this.describe()} (valid until ${this.#until()})`);
      this.#misses = changed ? 0 : this.#misses + 1;
      this.#nextAsk = changed ? 0 : this.#now() + Math.min(MAX_RETRY_MS, RETRY_MS * 2 ** (this.#misses - 1));
      this.#plan();
      return changed;
    })().finally(() => {
      this.#renewing = undefined;
    });
    return this.#renewing;
  }

  close(): void {
    this.#closed = true;
    this.#cancel?.();
  }

  #until(): string {
    return new Date(this.#times.expiresAt * 1000).toISOString();
  }

  /** Reads the source; returns why the result cannot be used, keeping the token in use. */
  async #load(): Promise<string | undefined> {
    const { origin } = this.#options;
    let text: string;
    try {
      if (origin.kind === 'env') {
        const value = (this.#options.env ?? process.env)[origin.name];
        if (value === undefined || value.trim() === '') return `$${origin.name} is not set`;
        text = value;
      } else if (origin.kind === 'file')
        text = await (this.#options.readText ?? ((p) => readFile(p, 'utf8')))(origin.path);
      else text = await (this.#options.runCommand ?? runShell)(origin.command);
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      return origin.kind === 'command' ? `the command ${reason}` : `cannot read it (${reason})`;
    }
    const token = tokenIn(text);
    if (!looksLikeAipToken(token)) return 'that is not an AIP token';
    let times: { expiresAt: number; renewAt: number };
    try {
      times = tokenTimes(token);
    } catch (err) {
      return `the token is malformed (${(err as Error).message})`;
    }
    const refused = this.#options.refuse?.(token);
    if (refused !== undefined) return refused;
    this.#token = token;
    this.#times = times;
    this.#warnedExpired = false;
    return undefined;
  }

  /** Schedules the next renewal (or, for a token nothing can renew, a warning when it expires). */
  #plan(): void {
    this.#cancel?.();
    if (this.#closed) return;
    const now = this.#now() / 1000;
    const schedule =
      this.#options.schedule ??
      ((fn: () => void, ms: number) => {
        const timer = setTimeout(fn, ms);
        timer.unref();
        return () => clearTimeout(timer);
      });
    if (!this.renewable) {
      if (now >= this.#times.expiresAt) {
        if (!this.#warnedExpired) this.#log.warn(`${this.describe()} expired at ${this.#until()}`);
        this.#warnedExpired = true;
        return;
      }
      this.#cancel = schedule(() => this.#plan(), Math.min(2 ** 31 - 1, (this.#times.expiresAt - now) * 1000));
      return;
    }
    // Due already (the source gave the same, or nothing): ask again after the back-off.
    const wait = Math.max((this.#times.renewAt - now) * 1000, this.#nextAsk - this.#now(), MIN_WAIT_MS);
    this.#cancel = schedule(() => void this.renew(), Math.min(2 ** 31 - 1, wait));
  }
}
