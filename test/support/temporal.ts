import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ensureTools } from '../../stack/tools';

/** A Temporal dev server from the pinned `temporal` binary (never a download), one per test file. */
export async function temporalTestEnv(): Promise<TestWorkflowEnvironment> {
  const { temporal } = await ensureTools();
  return TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: temporal }, ip: '127.0.0.1' },
  });
}
