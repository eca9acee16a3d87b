import { z } from 'zod';

/**
 * Where a test-only worker kills itself: `before` the chosen activity's function starts, or `after` it returned
 * and before Temporal hears the result. Only attempts numbered `attempt` of `activity` match; the first one to
 * match is held (never reported) until `gather` attempts are held or `gatherMs` has passed since the first, and
 * then the process SIGKILLs itself, so one kill catches a whole batch of flows at the same boundary.
 */
export interface CrashPlan {
  activity: string;
  point: 'before' | 'after';
  attempt: number;
  gather: number;
  gatherMs: number;
}

const CrashEnv = z.object({
  L402_CRASH_ACTIVITY: z.string().min(1),
  L402_CRASH_POINT: z.enum(['before', 'after']),
  L402_CRASH_ATTEMPT: z.coerce.number().int().min(1).default(1),
  L402_CRASH_GATHER: z.coerce.number().int().min(1).default(1),
  L402_CRASH_GATHER_MS: z.coerce.number().int().min(0).default(5_000),
});

export function crashPlanEnv(plan: CrashPlan): Record<string, string> {
  return {
    L402_CRASH_ACTIVITY: plan.activity,
    L402_CRASH_POINT: plan.point,
    L402_CRASH_ATTEMPT: String(plan.attempt),
    L402_CRASH_GATHER: String(plan.gather),
    L402_CRASH_GATHER_MS: String(plan.gatherMs),
  };
}

/** The plan in the environment, or null when no crash is asked for. */
export function crashPlanFromEnv(env: NodeJS.ProcessEnv): CrashPlan | null {
  if (!env.L402_CRASH_ACTIVITY) return null;
  const parsed = CrashEnv.parse(env);
  return {
    activity: parsed.L402_CRASH_ACTIVITY,
    point: parsed.L402_CRASH_POINT,
    attempt: parsed.L402_CRASH_ATTEMPT,
    gather: parsed.L402_CRASH_GATHER,
    gatherMs: parsed.L402_CRASH_GATHER_MS,
  };
}
