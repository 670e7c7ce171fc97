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
    // Codes and the engine's own argument messages cross; anything else stays in this thread.
    const error: Extract<QueryResponse, { error: object }>['error'] =
      err instanceof TrustError
        ? { name: 'TrustError', code: err.code, message: err.message }
        : err instanceof RangeError || err instanceof TypeError
          ? { name: err instanceof RangeError ? 'RangeError' : 'TypeError', message: err.message }
          : { name: 'Error', message: 'the trust query failed' };
    response = { id: request.id, error };
  }
  parentPort?.postMessage(response);
});
