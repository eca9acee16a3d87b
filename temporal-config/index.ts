import type { ActivityOptions, RetryPolicy } from '@temporalio/common';

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
  nonRetryableErrorTypes: ['INVOICE_NOT_HELD', 'PREIMAGE_MISMATCH', 'INVOICE_ALREADY_FINAL'],
};

export const ACTIVITY_PROFILES = {
  lightning: { startToCloseTimeout: '30 s', retry: quickRetry },
  database: { startToCloseTimeout: '15 s', retry: quickRetry },
  /** A heartbeating watch on one invoice; the workflow bounds the whole wait with its own timer. */
  invoiceWatch: { startToCloseTimeout: '24 h', heartbeatTimeout: '20 s', retry: quickRetry },
} satisfies Record<string, ActivityOptions>;

/** How often a watching activity heartbeats; well inside the watch profile's heartbeat timeout. */
export const WATCH_HEARTBEAT_MS = 5_000;
