import { SandboxError } from './errors';
import { parseMetric } from './metric';
import type { EvalResult } from './run-eval';

export type EvalErrorCode = 'EVAL_TIMEOUT' | 'EVAL_RESOURCE_LIMIT' | 'EVAL_FAILED' | 'EVAL_OUTPUT_INVALID';

/** What one eval run proved: a score, or an eval error (never a score). */
export type EvalOutcome =
  { kind: 'score'; score: number } | { kind: 'error'; code: EvalErrorCode; detail: string };

/** Reduces a sandbox run to its outcome: limits first, then the exit status, then the score line. Pure. */
export function toEvalOutcome(result: EvalResult, metricName: string): EvalOutcome {
  if (result.timedOut) {
    return { kind: 'error', code: 'EVAL_TIMEOUT', detail: `killed by the ${result.killedBy} limit` };
  }
  if (result.killedBy) {
    return { kind: 'error', code: 'EVAL_RESOURCE_LIMIT', detail: `killed by the ${result.killedBy} limit` };
  }
  if (result.exitCode !== 0) {
    return { kind: 'error', code: 'EVAL_FAILED', detail: `exit status ${result.exitCode}` };
  }
  try {
    return { kind: 'score', score: parseMetric(result.stdout, metricName) };
  } catch (err) {
    if (err instanceof SandboxError)
      return { kind: 'error', code: 'EVAL_OUTPUT_INVALID', detail: err.message };
    throw err;
  }
}
