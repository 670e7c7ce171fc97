// Locates the shared conformance vectors (../shared/vectors from the project root, or
// $AIP_VECTORS_DIR). Outside CI a missing folder skips the suites with a notice; in CI it fails.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

const projectRoot = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

export const vectorsDir = process.env.AIP_VECTORS_DIR
  ? path.resolve(process.env.AIP_VECTORS_DIR)
  : path.resolve(projectRoot, '../shared/vectors');

export const vectorsAvailable = existsSync(vectorsDir);

export function readVector<T>(relative: string): T {
  return JSON.parse(readFileSync(path.join(vectorsDir, relative), 'utf8')) as T;
}

export function readVectorText(relative: string): string {
  return readFileSync(path.join(vectorsDir, relative), 'utf8');
}

/** `describe` for a vector suite: skipped with a visible notice when the vectors are absent, failing in CI. */
export function describeVectors(name: string, body: () => void): void {
  if (vectorsAvailable) {
    describe(name, body);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('has the conformance vectors', () => {
        throw new Error(`conformance vectors not found at ${vectorsDir} (set AIP_VECTORS_DIR)`);
      });
    });
  } else {
    console.warn(`[aip] conformance vectors not found at ${vectorsDir}: skipping "${name}" (set AIP_VECTORS_DIR)`);
    describe.skip(name, body);
  }
}

export function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'hex'));
}
