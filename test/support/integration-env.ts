import { DefaultLogger, Runtime } from '@temporalio/worker';

// Integration tests start servers, workers and Lightning payments: minutes, not jest's default 5 s.
jest.setTimeout(180_000);

// Keep worker output to warnings and errors; the SDK allows one runtime per process.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed by an earlier test file in this process
}

// A rejection nobody awaited is a test that stopped watching its own work (a client used after teardown, a
// promise left behind): the file fails, with the reasons, instead of a later file crashing the run.
const unhandled: unknown[] = [];
const noteUnhandled = (reason: unknown) => unhandled.push(reason);
process.on('unhandledRejection', noteUnhandled);
afterAll(() => {
  process.off('unhandledRejection', noteUnhandled);
  if (unhandled.length > 0)
    throw new Error(
      `${unhandled.length} unhandled rejection(s) in this file: ${unhandled
        .map((reason) => (reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)))
        .join('\n---\n')}`,
    );
});
