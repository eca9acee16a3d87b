import { appendFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stackDown, stackUp } from '../../dev/stack/launcher';
import { runningPid } from '../../dev/stack/processes';
import { BTCD_PROCESS } from '../../dev/stack/btcd';
import { testStackConfig } from './stack-config';

/** Where errors thrown after their test file ended are written; the suite's summary fails the run on them. */
export const STRAY_ERRORS_FILE = path.resolve(__dirname, '..', '..', '.data', 'stray-errors.log');

/**
 * A timer or stream of a test file that outlived its teardown throws into whichever file runs next, or into
 * nothing, and would crash jest before it writes its report. This process runs every file (`--runInBand`), so
 * one handler here records such errors and the run goes on to its report.
 */
function recordStrayErrors(): void {
  rmSync(STRAY_ERRORS_FILE, { force: true });
  const record = (kind: string) => (error: unknown) => {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    console.error(`[stray ${kind}] ${text}`);
    appendFileSync(STRAY_ERRORS_FILE, `[${kind}] ${text}\n---\n`);
  };
  process.on('uncaughtException', record('uncaught exception'));
  process.on('unhandledRejection', record('unhandled rejection'));
}

/** Brings up (or reuses) the real regtest stack once for the whole integration run. */
export default async function globalSetup(): Promise<void> {
  recordStrayErrors();
  const config = testStackConfig();
  const reused = runningPid(config.dataDir, BTCD_PROCESS) !== null;
  const started = Date.now();
  try {
    await stackUp(config, (line) => console.log(`[stack] ${line}`));
  } catch (err) {
    // jest runs no teardown after a failed setup: stop what this run started, or its daemons keep their ports.
    if (!reused) await stackDown(config).catch(() => undefined);
    throw err;
  }
  console.log(
    `\n[stack] regtest stack ${reused ? 'reused' : 'started'} in ${((Date.now() - started) / 1000).toFixed(1)} s (${config.dataDir})`,
  );
  mkdirSync(config.dataDir, { recursive: true });
  const marker = path.join(config.dataDir, 'started-by-tests');
  if (!reused || existsSync(marker)) writeFileSync(marker, String(process.pid));
}
