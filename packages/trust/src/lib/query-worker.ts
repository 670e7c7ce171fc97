// Worker thread of the query pool: its own read-only connection and engine over the same database,
// answering score and path questions; it catches up with other connections' commits before each.
import { parentPort, workerData } from 'node:worker_threads';
import { openTrustEngine } from '../engine.js';
import { TrustError } from '../errors.js';
import { openTrustStore } from '../store.js';
import type { QueryRequest, QueryResponse } from './query-messages.js';

const { path, snapshot } = workerData as { path: string; snapshot: string | false | undefined };
const store = openTrustStore({ path, readonly: true });
const engine = openTrustEngine(store, snapshot === undefined ? {} : { snapshot });

parentPort?.on('message', (request: QueryRequest) => {
  let response: QueryResponse;
  try {
    const result =
      request.kind === 'path'
        ? engine.path(request.target, request.options)
        : engine.score(request.target, request.options);
    response = { id: request.id, result };
  } catch (err) {
    response = {
      id: request.id,
      error:
        err instanceof TrustError
          ? { name: 'TrustError', code: err.code, message: err.message }
          : { name: err instanceof RangeError ? 'RangeError' : 'Error', message: 'the trust query failed' },
    };
    if (err instanceof RangeError) response.error.message = err.message;
  }
  parentPort?.postMessage(response);
});
