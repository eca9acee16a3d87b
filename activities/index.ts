import type { HoldInvoiceDeps } from './hold-invoices';
import { holdInvoiceActivities } from './hold-invoices';

export type ActivityDeps = HoldInvoiceDeps;

/** Every activity the workers register, built from injected clients (real ones in the worker, fakes in tests). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...holdInvoiceActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
