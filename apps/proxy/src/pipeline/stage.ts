// A stage of the request pipeline: a named step over the request context that lets the request
// go on (`undefined`), refuses it (a Refusal the pipeline answers), or has answered it itself.

import type { Refusal } from '../refusal.js';
import type { RequestContext } from './context.js';

/** The stages, in the order a request meets them (DESIGN §5). */
export type StageName =
  | 'metadata'
  | 'credential'
  | 'authenticate'
  | 'body'
  | 'proof'
  | 'session'
  | 'authorize'
  | 'meter'
  | 'forward';

/** The stage answered the request itself (a metadata document, a forwarded response). */
export const ANSWERED = Symbol('answered');

export type StageResult = undefined | Refusal | typeof ANSWERED;

export interface Stage {
  readonly name: StageName;
  run(ctx: RequestContext): StageResult | Promise<StageResult>;
}
