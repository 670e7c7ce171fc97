import { defineConfig } from 'vitest/config';
import { sourceConditions } from '../../vitest.shared.js';

export default defineConfig({
  ...sourceConditions,
  // CLI tests spawn the built `aip` binary (dist/main.js), as a user runs it.
  test: { include: ['test/**/*.test.ts'], testTimeout: 30_000 },
});
