import path from 'node:path';
import type { StackConfig } from '../../dev/stack/config';
import { loadStackConfig } from '../../dev/stack/config';

/** The integration suite's own stack: its own data dir and ports, so it never touches a dev stack. */
export function testStackConfig(): StackConfig {
  return loadStackConfig({
    dataDir: path.resolve(__dirname, '..', '..', '.data', 'test-stack'),
    basePort: Number(process.env.L402_TEST_BASE_PORT ?? 29_400),
    nodes: ['coordinator', 'peer', 'sponsor', 'peer2', 'peer3'],
  });
}
