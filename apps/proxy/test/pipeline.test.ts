import { describe, expect, it } from 'vitest';
import { runPipeline } from '../src/pipeline/run-pipeline.js';
import { ANSWERED, type Stage, type StageName } from '../src/pipeline/stage.js';
import { refusal } from '../src/refusal.js';
import { StoreUnavailableError } from '../src/state/store-unavailable.js';
import { fakeContext, recordingResponder } from './helpers/fake-context.js';

const stage = (name: StageName, run: Stage['run']): Stage => ({ name, run });

describe('the pipeline', () => {
  it('walks the stages in order until one refuses, answering and auditing the refusal once', async () => {
    const walked: string[] = [];
    const respond = recordingResponder();
    const ctx = fakeContext();
    ctx.cleanups.push(() => walked.push('cleanup'));
    await runPipeline(
      [
        stage('metadata', () => void walked.push('metadata')),
        stage('credential', async () => {
          walked.push('credential');
          return refusal('aip_token_missing', 'no token');
        }),
        stage('authenticate', () => void walked.push('authenticate')),
      ],
      ctx,
      respond,
    );
    expect(walked).toEqual(['metadata', 'credential', 'cleanup']);
    expect(respond.refusals).toMatchObject([{ code: 'aip_token_missing' }]);
  });

  it('stops quietly after a stage that answered', async () => {
    const respond = recordingResponder();
    const after: string[] = [];
    await runPipeline(
      [stage('metadata', () => ANSWERED), stage('credential', () => void after.push('x'))],
      fakeContext(),
      respond,
    );
    expect(after).toEqual([]);
    expect(respond.refusals).toEqual([]);
  });

  it('answers a failure inside the proxy with aip_internal, no stack trace, and still runs the cleanups', async () => {
    const respond = recordingResponder();
    const ctx = fakeContext();
    let cleaned = false;
    ctx.cleanups.push(() => {
      cleaned = true;
    });
    await runPipeline(
      [
        stage('metadata', () => {
          throw new Error('boom at /secret/path');
        }),
      ],
      ctx,
      respond,
    );
    expect(respond.refusals).toMatchObject([{ code: 'aip_internal', message: 'internal proxy error' }]);
    expect(cleaned).toBe(true);
  });

  it('fails closed with 503 aip_stores_unavailable when a shared store cannot answer, naming the store only', async () => {
    const respond = recordingResponder();
    const walked: string[] = [];
    await runPipeline(
      [
        stage('meter', async () => {
          throw new StoreUnavailableError('redis', 'ECONNREFUSED', {
            cause: new Error('connect ECONNREFUSED redis://:pw@cache:6379'),
          });
        }),
        stage('forward', () => void walked.push('forward')),
      ],
      fakeContext(),
      respond,
    );
    expect(walked).toEqual([]);
    expect(respond.refusals).toEqual([
      expect.objectContaining({
        code: 'aip_stores_unavailable',
        message: 'Redis unavailable: ECONNREFUSED',
        headers: { 'retry-after': '1' },
      }),
    ]);
  });
});
