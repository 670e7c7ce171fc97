import { describe, expect, it } from 'vitest';
import { AIP_REFUSED, aipRefusal, ERROR_INFO_TYPE, TASK_NOT_FOUND, taskNotFound } from '../src/index.js';

describe('wire errors', () => {
  it("answers a task that is not the caller's as A2A's task not found", () => {
    expect(taskNotFound()).toEqual({
      code: TASK_NOT_FOUND,
      message: 'Task not found',
      data: [{ '@type': ERROR_INFO_TYPE, reason: 'TASK_NOT_FOUND', domain: 'a2a-protocol.org' }],
    });
  });

  it('carries the AIP code and status of a refusal in an ErrorInfo', () => {
    const error = aipRefusal('aip_audience_mismatch', 'not for this agent', 401);
    expect(error.code).toBe(AIP_REFUSED);
    expect(error.data).toEqual([
      {
        '@type': ERROR_INFO_TYPE,
        reason: 'AIP_AUDIENCE_MISMATCH',
        domain: 'github.com/aip-project/aip',
        metadata: { code: 'aip_audience_mismatch', status: '401' },
      },
    ]);
  });

  it('stays outside the codes A2A reserves', () => {
    expect(AIP_REFUSED < -32009 || AIP_REFUSED > -32001).toBe(true);
    expect(AIP_REFUSED).toBeGreaterThanOrEqual(-32099);
  });
});
