// Worker thread of the verification pool: verifies batches of JSONL lines off the main thread.
import { parentPort } from 'node:worker_threads';
import { type VerifyRequest, verifyLines } from './verify-lines.js';

parentPort?.on('message', (request: VerifyRequest) => {
  parentPort?.postMessage({ id: request.id, results: verifyLines(request.lines, request) });
});
