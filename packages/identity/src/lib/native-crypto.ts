// node:crypto, when the runtime has it. Loaded through process.getBuiltinModule so the package
// still imports (and falls back to pure JS) in browsers and other runtimes.
import type * as NodeCrypto from 'node:crypto';

type GetBuiltinModule = (id: string) => unknown;

const getBuiltinModule = (globalThis as { process?: { getBuiltinModule?: GetBuiltinModule } }).process
  ?.getBuiltinModule;

/** node:crypto, or `undefined` outside Node. */
export const nodeCrypto = getBuiltinModule?.('node:crypto') as typeof NodeCrypto | undefined;
