// Starting this package's worker threads: the compiled script beside this module (from the sources,
// as tests run them, the built copy in `dist/` when there is one), without a source-only export
// condition inherited from a test runner.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** The compiled `lib/<name>.js`, or undefined when it has not been built. */
function workerFile(name: string): string | undefined {
  const here = import.meta.url;
  const url = here.endsWith('.ts') ? new URL(`../../dist/lib/${name}.js`, here) : new URL(`./${name}.js`, here);
  const file = fileURLToPath(url);
  return existsSync(file) ? file : undefined;
}

const SOURCE_CONDITION = /^(--conditions|-C)(=|$)/;

function compiledExecArgv(): string[] {
  const out: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (SOURCE_CONDITION.test(arg)) {
      if (!arg.includes('=')) i++;
      continue;
    }
    out.push(arg);
  }
  return out;
}

function compiledEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (env.NODE_OPTIONS !== undefined) {
    env.NODE_OPTIONS = env.NODE_OPTIONS.replace(/(--conditions|-C)[= ]\S+/g, '').trim();
  }
  return env;
}

/** True when the compiled worker `name` exists. */
export function hasWorker(name: string): boolean {
  return workerFile(name) !== undefined;
}

/** Starts the compiled worker `name`, or returns undefined when it has not been built. */
export function startWorker(name: string, options: Pick<WorkerOptions, 'workerData'> = {}): Worker | undefined {
  const file = workerFile(name);
  if (file === undefined) return undefined;
  return new Worker(file, { ...options, execArgv: compiledExecArgv(), env: compiledEnv() });
}
