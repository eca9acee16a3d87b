import type { Context } from '@temporalio/activity';
import type { ActivityExecuteInput } from '@temporalio/worker';
import { crashInterceptor } from '../../support/crash/interceptor';
import type { CrashPlan } from '../../support/crash/plan';
import { crashPlanEnv, crashPlanFromEnv } from '../../support/crash/plan';

const plan: CrashPlan = {
  activity: 'settleHoldInvoice',
  point: 'after',
  attempt: 1,
  gather: 2,
  gatherMs: 60_000,
};
const input: ActivityExecuteInput = { args: [], headers: {} };
const context = (activityType: string, attempt: number) =>
  ({
    info: { activityType, attempt, workflowExecution: { workflowId: 'wf', runId: 'r' } },
  }) as unknown as Context;
const flush = () => new Promise((resolve) => setImmediate(resolve));

function execute(factory: ReturnType<typeof crashInterceptor>, ctx: Context, fn: () => Promise<unknown>) {
  const inbound = factory(ctx).inbound;
  if (!inbound?.execute) throw new Error('no inbound interceptor');
  return inbound.execute(input, fn);
}

describe('crash interceptor (test-only activity inbound)', () => {
  it('lets other activities and other attempts through untouched', async () => {
    const kill = jest.fn();
    const factory = crashInterceptor(plan, kill);
    await expect(execute(factory, context('cancelHoldInvoice', 1), async () => 'a')).resolves.toBe('a');
    await expect(execute(factory, context('settleHoldInvoice', 2), async () => 'b')).resolves.toBe('b');
    expect(kill).not.toHaveBeenCalled();
  });

  it('after: runs the function, never reports its result, and kills once `gather` attempts are held', async () => {
    const kill = jest.fn();
    const factory = crashInterceptor(plan, kill);
    const fn = jest.fn(async () => 'settled');
    const reported = jest.fn();
    void execute(factory, context('settleHoldInvoice', 1), fn).then(reported);
    await flush();
    expect(fn).toHaveBeenCalledTimes(1);
    expect(kill).not.toHaveBeenCalled();
    void execute(factory, context('settleHoldInvoice', 1), fn).then(reported);
    await flush();
    expect(kill).toHaveBeenCalledTimes(1);
    expect(reported).not.toHaveBeenCalled();
  });

  it('before: kills without running the function', async () => {
    const kill = jest.fn();
    const factory = crashInterceptor({ ...plan, point: 'before', gather: 1 }, kill);
    const fn = jest.fn(async () => 'settled');
    void execute(factory, context('settleHoldInvoice', 1), fn);
    await flush();
    expect(kill).toHaveBeenCalledTimes(1);
    expect(fn).not.toHaveBeenCalled();
  });

  it('kills after `gatherMs` when fewer attempts than `gather` arrive', async () => {
    jest.useFakeTimers();
    try {
      const kill = jest.fn();
      const factory = crashInterceptor({ ...plan, point: 'before', gather: 5, gatherMs: 1_000 }, kill);
      void execute(factory, context('settleHoldInvoice', 1), async () => 'x');
      await Promise.resolve();
      expect(kill).not.toHaveBeenCalled();
      jest.advanceTimersByTime(1_000);
      expect(kill).toHaveBeenCalledTimes(1);
    } finally {
      jest.useRealTimers();
    }
  });

  it('round-trips its plan through the environment, and reads none when unset', () => {
    expect(crashPlanFromEnv(crashPlanEnv(plan))).toEqual(plan);
    expect(crashPlanFromEnv({})).toBeNull();
    expect(() => crashPlanFromEnv({ L402_CRASH_ACTIVITY: 'x', L402_CRASH_POINT: 'during' })).toThrow();
  });
});
