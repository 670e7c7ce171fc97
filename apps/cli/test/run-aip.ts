// Runs the built `aip` binary as a child process, the way a user does.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const AIP_BIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const children = new Set<ReturnType<typeof spawn>>();

/** Kills every child still running (call in afterEach/afterAll). */
export function killChildren(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
}

export function runAip(
  args: string[],
  options: { env?: Record<string, string | undefined>; input?: string | Uint8Array } = {},
): Promise<RunResult> {
  return runCommand(process.execPath, [AIP_BIN, ...args], options);
}

export function runCommand(
  command: string,
  args: string[],
  options: { env?: Record<string, string | undefined>; input?: string | Uint8Array } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...options.env };
    for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** A fresh temporary directory; the returned function removes it. */
export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
}

/**
 * Runs `aip` inside a pseudo-terminal (util-linux `script`), answering each passphrase prompt
 * with the next of `answers` as a user would type it.
 */
export function runAipInTerminal(
  args: string[],
  answers: string[],
  env: Record<string, string | undefined>,
): Promise<RunResult> {
  const quoted = [process.execPath, AIP_BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    const merged = { ...process.env, ...env };
    for (const [key, value] of Object.entries(merged)) if (value === undefined) delete merged[key];
    const child = spawn('script', ['-qec', quoted, '/dev/null'], { env: merged, stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let answered = 0;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const prompts = stdout.match(/[Pp]assphrase[^:\n]*: /g)?.length ?? 0;
      while (answered < prompts && answered < answers.length) child.stdin.write(`${answers[answered++]}\r`);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      children.delete(child);
      resolve({ code, stdout, stderr: '' });
    });
  });
}

export const hasScript = await import('node:fs').then((fs) => fs.existsSync('/usr/bin/script'));
