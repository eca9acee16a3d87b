import type { ProcessHarness } from '../process-harness';
import type { WorkerKind, WorkerProcess } from '../worker-process';
import type { CrashPlan } from './plan';

export interface Supervisor {
  /** How many times a worker died (killed itself) and was started again. */
  restarts(): number;
  /** When the latest worker started (ms since epoch). */
  lastStartAt(): number;
  /**
   * Rejects once `stallMs` passed since the latest restart while still supervising: a flow that never ends after
   * its retry (a recovery path that loops on its own error) fails the case then instead of hanging it.
   */
  stalled: Promise<never>;
  /** Stops restarting; the current worker stays up (the next `harness.worker` of this kind replaces it). */
  stop(): Promise<void>;
}

/**
 * Keeps exactly one crash-injected worker of `kind` alive: starts one, and each time it dies starts the next
 * (with the same plan: only attempts numbered `plan.attempt` are held, so retries pass).
 */
export async function superviseWorker(
  harness: ProcessHarness,
  kind: WorkerKind,
  plan: CrashPlan,
  stallMs: number,
): Promise<Supervisor> {
  let current: WorkerProcess = await harness.worker(kind, { crash: plan });
  let startedAt = Date.now();
  let restarts = 0;
  let stopped = false;
  let stall: (err: Error) => void = () => undefined;
  const stalled = new Promise<never>((_, reject) => {
    stall = reject;
  });
  const loop = (async () => {
    while (!stopped) {
      await Promise.race([current.exited, new Promise((resolve) => setTimeout(resolve, 500))]);
      if (!stopped && restarts > 0 && Date.now() - startedAt > stallMs) {
        stall(new Error(`flows still not final ${stallMs / 1000} s after the worker's restart`));
      }
      if (stopped || current.alive()) continue;
      current = await harness.worker(kind, { crash: plan });
      startedAt = Date.now();
      restarts += 1;
    }
  })();
  return {
    restarts: () => restarts,
    lastStartAt: () => startedAt,
    stalled,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}
