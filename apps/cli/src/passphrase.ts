// Passphrases: $AIP_PASSPHRASE, else a no-echo prompt on the controlling terminal (/dev/tty, so
// it works while stdin carries data), else none.
import { openSync } from 'node:fs';
import tty from 'node:tty';
import { CliError } from './cli-error.js';

function openTerminal(): { input: tty.ReadStream; output: tty.WriteStream } | undefined {
  try {
    const fd = openSync('/dev/tty', 'r+');
    return { input: new tty.ReadStream(fd), output: new tty.WriteStream(fd) };
  } catch {
    if (process.stdin.isTTY && process.stderr.isTTY)
      return { input: process.stdin as tty.ReadStream, output: process.stderr as tty.WriteStream };
    return undefined;
  }
}

function promptOnce(terminal: { input: tty.ReadStream; output: tty.WriteStream }, prompt: string): Promise<string> {
  const { input, output } = terminal;
  return new Promise((resolve, reject) => {
    let value = '';
    // Raw mode (no echo) before the prompt: an answer typed as soon as the prompt shows must
    // never be echoed by the terminal.
    input.setRawMode(true);
    input.setEncoding('utf8');
    output.write(prompt);
    const finish = (error?: CliError) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003' || ch === '\u0004')
          return finish(new CliError('aip_interrupted', 'passphrase entry cancelled', 130));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    input.on('data', onData);
    input.resume();
  });
}

/**
 * The passphrase from $AIP_PASSPHRASE or the terminal; `undefined` when neither is available.
 * With `confirm`, the terminal prompt asks twice and refuses a mismatch or an empty passphrase.
 */
export async function readPassphrase(options: { confirm?: boolean; purpose: string }): Promise<string | undefined> {
  const fromEnv = process.env.AIP_PASSPHRASE;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const terminal = openTerminal();
  if (terminal === undefined) return undefined;
  try {
    const first = await promptOnce(terminal, `Passphrase ${options.purpose}: `);
    if (first === '') throw new CliError('aip_usage', 'an empty passphrase is not allowed');
    if (options.confirm) {
      const second = await promptOnce(terminal, 'Repeat passphrase: ');
      if (second !== first) throw new CliError('aip_usage', 'the passphrases do not match');
    }
    return first;
  } finally {
    if (terminal.input !== process.stdin) {
      terminal.input.destroy();
      terminal.output.destroy();
    }
  }
}
