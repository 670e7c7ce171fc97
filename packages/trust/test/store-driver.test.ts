// A runtime where better-sqlite3 cannot load (Bun, Deno, a missing native build): the store must
// say so, with the driver's own reason, instead of blaming the file.
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openTrustStore } from '../src/index.js';
import { tempDir } from './helpers.js';

vi.mock('better-sqlite3', () => ({
  default: class {
    constructor() {
      throw new Error('Could not locate the bindings file. Tried:\n → /somewhere/better_sqlite3.node');
    }
  },
}));

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => {
  await cleanup();
});

describe('a trust store without its SQLite driver', () => {
  it('says aip_store_unavailable with the driver failure as the cause', () => {
    let error: unknown;
    try {
      openTrustStore({ path: path.join(dir, 't.db') });
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({
      code: 'aip_store_unavailable',
      message:
        'the SQLite driver (better-sqlite3) cannot load in this runtime: Could not locate the bindings file. Tried:',
    });
    expect((error as Error).cause).toBeInstanceOf(Error);
  });
});
