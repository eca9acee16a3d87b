import { DefaultLogger, Runtime } from '@temporalio/worker';

// Integration tests start servers, workers and Lightning payments: minutes, not jest's default 5 s.
jest.setTimeout(180_000);

// Keep worker output to warnings and errors; the SDK allows one runtime per process.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed by an earlier test file in this process
}
