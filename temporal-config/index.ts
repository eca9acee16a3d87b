import type { ActivityOptions, LocalActivityOptions, RetryPolicy } from '@temporalio/common';
import { NON_RETRYABLE_CODES } from '../domain/errors';

/** Invoices, database and bookkeeping run here; validation runs on its own queue so GPU hosts can join alone. */
export const TASK_QUEUES = {
  control: 'l402-control',
  validation: 'l402-validation',
} as const;

/** Lightning and database calls: short, retried until they succeed or fail for good. */
const quickRetry: RetryPolicy = {
  initialInterval: '200 ms',
  backoffCoefficient: 2,
  maximumInterval: '10 s',
  nonRetryableErrorTypes: [...NON_RETRYABLE_CODES],
};

export const ACTIVITY_PROFILES = {
  lightning: { startToCloseTimeout: '30 s', retry: quickRetry },
  database: { startToCloseTimeout: '15 s', retry: quickRetry },
  /**
   * Scoring and sandboxed evals: only validation workers poll this queue; long, heartbeating, few retries. The
   * heartbeat timeout is what a killed validation worker costs a round before its work is retried elsewhere.
   */
  validation: {
    taskQueue: TASK_QUEUES.validation,
    startToCloseTimeout: '30 min',
    heartbeatTimeout: '20 s',
    retry: {
      initialInterval: '1 s',
      backoffCoefficient: 2,
      maximumInterval: '30 s',
      maximumAttempts: 5,
      nonRetryableErrorTypes: [...NON_RETRYABLE_CODES],
    },
  },
  /** A heartbeating watch on one invoice; the workflow bounds the whole wait with its own timer. */
  invoiceWatch: { startToCloseTimeout: '24 h', heartbeatTimeout: '20 s', retry: quickRetry },
} satisfies Record<string, ActivityOptions>;

/**
 * Short control-queue calls with no money step of their own (reserving the earner's liquidity, deriving hashes,
 * checking invoices, reading the height): run inside the workflow's own task, each skipping two trips through the
 * server. Every step that moves or releases sats stays a full activity, so its attempts are in history.
 */
export const LOCAL_ACTIVITY_PROFILE = {
  startToCloseTimeout: '30 s',
  retry: quickRetry,
} satisfies LocalActivityOptions;

/** How often a watching activity heartbeats; well inside the watch profile's heartbeat timeout. */
export const WATCH_HEARTBEAT_MS = 5_000;
