import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { randomBytes } from 'node:crypto';
import type { CoordinatorSecrets } from '../../server/coordinator/secrets';
import { dataConverter } from '../../server/coordinator/temporal';

export function testSecrets(): CoordinatorSecrets {
  return {
    preimageSecret: randomBytes(32),
    codecKeys: { currentKeyId: 'test', keys: { test: randomBytes(32).toString('base64') } },
  };
}

/** A client that shares the worker's payload codec, so it can read the encrypted results. */
export function codecClient(
  env: Pick<TestWorkflowEnvironment, 'connection'>,
  secrets: CoordinatorSecrets,
): Client {
  return new Client({
    connection: env.connection,
    namespace: 'default',
    dataConverter: dataConverter(secrets),
  });
}

export async function eventually<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
