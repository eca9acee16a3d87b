import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stackUp } from '../../stack/launcher';
import { runningPid } from '../../stack/processes';
import { BTCD_PROCESS } from '../../stack/btcd';
import { testStackConfig } from './stack-config';

/** Brings up (or reuses) the real regtest stack once for the whole integration run. */
export default async function globalSetup(): Promise<void> {
  const config = testStackConfig();
  const reused = runningPid(config.dataDir, BTCD_PROCESS) !== null;
  const started = Date.now();
  await stackUp(config, (line) => console.log(`[stack] ${line}`));
  console.log(
    `\n[stack] regtest stack ${reused ? 'reused' : 'started'} in ${((Date.now() - started) / 1000).toFixed(1)} s (${config.dataDir})`,
  );
  mkdirSync(config.dataDir, { recursive: true });
  const marker = path.join(config.dataDir, 'started-by-tests');
  if (!reused || existsSync(marker)) writeFileSync(marker, String(process.pid));
}
