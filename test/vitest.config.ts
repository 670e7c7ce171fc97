import { defineConfig } from 'vitest/config';
import { sourceConditions } from '../vitest.shared.js';

export default defineConfig({
  ...sourceConditions,
  test: { include: ['e2e/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 30_000 },
});
