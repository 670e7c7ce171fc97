// Messages between the query pool and its workers.
import type { TrustPathResult, TrustQueryOptions, TrustResult } from '../engine.js';
import type { TrustErrorCode } from '../errors.js';

export interface QueryRequest {
  id: number;
  kind: 'score' | 'path';
  target: string;
  options: TrustQueryOptions;
}

export type QueryResponse =
  | { id: number; result: TrustResult | TrustPathResult; error?: undefined }
  | {
      id: number;
      result?: undefined;
      error: { name: 'TrustError' | 'RangeError' | 'TypeError' | 'Error'; code?: TrustErrorCode; message: string };
    };
