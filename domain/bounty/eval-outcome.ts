import { SandboxError } from './errors';
import { parseMetric } from './metric';

/** How an eval's limits are enforced: one cgroup per eval (v2 or v1 hierarchies), or per process only (rlimits). */
export const LIMITS_MODES = ['cgroup-v2', 'cgroup-v1', 'process'] as const;
export type LimitsMode = (typeof LIMITS_MODES)[number];

/** What the sandbox reports of one eval run that its outcome is proved from. */
export interface SandboxRun {
  /** The eval's exit status; null if the parent killed the sandbox. */
  exitCode: number | null;
  stdout: string;
  /** Ran out of wall-clock or CPU time. */
  timedOut: boolean;
  /** The limit that killed it, if one did. */
  killedBy?: string;
  limitsMode: LimitsMode;
}

export type EvalErrorCode = 'EVAL_TIMEOUT' | 'EVAL_RESOURCE_LIMIT' | 'EVAL_FAILED' | 'EVAL_OUTPUT_INVALID';

/** What one eval run proved: a score, or an eval error (never a score); and how its limits were enforced. */
export type EvalOutcome = (
  { kind: 'score'; score: number } | { kind: 'error'; code: EvalErrorCode; detail: string }
) & {
  /** Absent only on an outcome no sandbox ran (an eval that failed for good). */
  limits?: LimitsMode;
};

/** Reduces a sandbox run to its outcome: limits first, then the exit status, then the score line. Pure. */
export function toEvalOutcome(result: SandboxRun, metricName: string): EvalOutcome {
  return { ...proved(result, metricName), limits: result.limitsMode };
}

function proved(result: SandboxRun, metricName: string): EvalOutcome {
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
