import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { stackDown } from '../../dev/stack/launcher';
import { testStackConfig } from './stack-config';

/** Stops the stack if this run started it (a stack someone left running stays), unless L402_KEEP_STACK=1. */
export default async function globalTeardown(): Promise<void> {
  const config = testStackConfig();
  const marker = path.join(config.dataDir, 'started-by-tests');
  if (process.env.L402_KEEP_STACK === '1' || !existsSync(marker)) return;
  await stackDown(config);
  rmSync(marker, { force: true });
}
