import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DEV_SERVER_DYNAMIC_CONFIG } from '../../dev/stack/temporal';
import { ensureTools } from '../../dev/stack/tools';

/** A Temporal dev server from the pinned `temporal` binary (never a download), one per test file. */
export async function temporalTestEnv(): Promise<TestWorkflowEnvironment> {
  const { temporal } = await ensureTools();
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporal },
      ip: '127.0.0.1',
      extraArgs: DEV_SERVER_DYNAMIC_CONFIG,
    },
  });
}

export interface ListedWorkflow {
  execution: { workflowId: string; runId: string };
  type: { name: string };
  status: string;
}

/**
 * The workflows a visibility query finds, as the `temporal` CLI lists them: what an operator would see, not what
 * the test's own client believes.
 */
export async function listWorkflows(address: string, query: string): Promise<ListedWorkflow[]> {
  const { temporal } = await ensureTools();
  const { stdout } = await promisify(execFile)(temporal, [
    'workflow',
    'list',
    '--address',
    address,
    '--namespace',
    'default',
    '--query',
    query,
    '--output',
    'json',
  ]);
  const listed: unknown = JSON.parse(stdout.trim() || '[]');
  return Array.isArray(listed) ? (listed as ListedWorkflow[]) : [];
}
