// Verifies a batch of JSONL lines, turning each failure into a code and a message (never internal
// exception text). Shared by the worker threads and the in-thread fallback.
import { AipError } from '@aip/identity';
import { type VerifiedObject, verifyTrustLine } from '../trust-object.js';

export interface VerifyRequest {
  id: number;
  lines: string[];
  now: number;
  clockSkew?: number;
}

export type LineResult = { ok: true; object: VerifiedObject } | { ok: false; code: string; message: string };

export function verifyLines(lines: readonly string[], options: { now: number; clockSkew?: number }): LineResult[] {
  const clock =
    options.clockSkew === undefined ? { now: options.now } : { now: options.now, clockSkew: options.clockSkew };
  return lines.map((line): LineResult => {
    try {
      return { ok: true, object: verifyTrustLine(line, clock) };
    } catch (err) {
      if (err instanceof AipError) return { ok: false, code: err.code, message: err.message };
      return { ok: false, code: 'aip_object_malformed', message: 'the line could not be verified' };
    }
  });
}
