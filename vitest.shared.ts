// Shared vitest settings: resolve workspace packages to their TypeScript sources (the
// "@aip/source" export condition) so tests never depend on a stale build.
import { defaultClientConditions, defaultServerConditions } from 'vite';

export const sourceConditions = {
  resolve: { conditions: ['@aip/source', ...defaultClientConditions] },
  ssr: { resolve: { conditions: ['@aip/source', ...defaultServerConditions] } },
};
