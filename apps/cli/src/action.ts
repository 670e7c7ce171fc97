// Adapts a command handler to commander: positional arguments first, then the merged options
// (the command's own plus the global --json); the returned number becomes the exit code.
import type { Command } from 'commander';
import type { OutputOptions } from './output.js';

export type Handler<O> = (options: O & OutputOptions, ...args: (string | undefined)[]) => Promise<number>;

export function action<O>(handler: Handler<O>): (...params: unknown[]) => Promise<void> {
  return async (...params) => {
    const command = params[params.length - 1] as Command;
    const options = command.optsWithGlobals() as O & OutputOptions;
    options.json = options.json === true;
    const args = params.slice(0, -2) as (string | undefined)[];
    process.exitCode = await handler(options, ...args);
  };
}
