import { createApp } from '../../api/app';
import type { AppDeps } from '../../api/app';
import { listen } from '../../api/listen';

export interface TestApi {
  url: string;
  close(): Promise<void>;
}

/** The coordinator's Express app with these routes, listening on an ephemeral loopback port. */
export async function startTestApi(api: Pick<AppDeps, 'routes' | 'before'>): Promise<TestApi> {
  const app = createApp({
    status: {
      version: 'test',
      temporalNamespace: 'default',
      node: async () => ({ publicKey: '', blockHeight: 0, syncedToChain: true }),
    },
    ...api,
    log: () => {},
  });
  const server = await listen(app, 0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
