import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { CrashPlan } from './plan';

/** The line a crashing worker prints as it holds an attempt; tests read it to know the kill point was reached. */
export const HOLDING_LINE = 'crash-injection holding';

/**
 * Activity-inbound interceptor that SIGKILLs its own process at the plan's point. Held attempts never resolve,
 * so neither their result nor a failure reaches Temporal: the server only learns of them by timeout.
 */
export function crashInterceptor(
  plan: CrashPlan,
  kill: () => void = () => process.kill(process.pid, 'SIGKILL'),
): ActivityInterceptorsFactory {
  let held = 0;
  let timer: NodeJS.Timeout | null = null;
  const hold = (ctx: Context): Promise<never> => {
    held += 1;
    process.stderr.write(
      `${HOLDING_LINE} ${plan.point} ${ctx.info.activityType} attempt ${ctx.info.attempt} ` +
        `(${ctx.info.workflowExecution?.workflowId ?? 'no workflow'}) ${held}/${plan.gather}\n`,
    );
    if (held >= plan.gather) kill();
    else timer ??= setTimeout(kill, plan.gatherMs).unref();
    return new Promise<never>(() => undefined);
  };
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const matches = ctx.info.activityType === plan.activity && ctx.info.attempt === plan.attempt;
        if (!matches) return next(input);
        if (plan.point === 'before') return hold(ctx);
        const result = await next(input);
        return hold(ctx).then(() => result);
      },
    },
  });
}
