// `aip` start-up (DESIGN §8 `cli.startup`): the wall time of `aip whoami --json` against a bare
// `node -e 0`, interleaved so that a busy machine slows both alike. Agents call the CLI in loops.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, result, type Suite } from './harness.js';

const CLI = fileURLToPath(new URL('../../apps/cli/dist/main.js', import.meta.url));
const ROUNDS = 25;

function wallMs(args: string[], env: NodeJS.ProcessEnv): number {
  const start = performance.now();
  const run = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const elapsed = performance.now() - start;
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  return elapsed;
}

export const cliSuite: Suite = {
  name: 'cli',
  async run() {
    const home = mkdtempSync(path.join(os.tmpdir(), 'aip-bench-cli-'));
    const env = { ...process.env, AIP_HOME: home };
    try {
      wallMs([CLI, 'init', '--name', 'bench'], env);
      const whoami: number[] = [];
      const bare: number[] = [];
      // Two warm-up runs each (file cache), then interleaved rounds.
      for (let round = -2; round < ROUNDS; round++) {
        const pair = round % 2 === 0 ? ['bare', 'cli'] : ['cli', 'bare'];
        for (const which of pair) {
          const ms = which === 'cli' ? wallMs([CLI, 'whoami', '--json'], env) : wallMs(['-e', '0'], env);
          if (round >= 0) (which === 'cli' ? whoami : bare).push(ms);
        }
      }
      return [result('cli.startup', median(whoami), 'ms', median(bare), '<= 2')];
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  },
};
