import type { Router } from 'express';
import { createApp } from '../../api/app';
import { listen } from '../../api/listen';

export interface TestApi {
  url: string;
  close(): Promise<void>;
}

/** The coordinator's Express app with these routers, listening on an ephemeral loopback port. */
export async function startTestApi(routers: Router[]): Promise<TestApi> {
  const app = createApp({
    status: {
      version: 'test',
      temporalNamespace: 'default',
      node: async () => ({ publicKey: '', blockHeight: 0, syncedToChain: true }),
    },
    routers,
    log: () => {},
  });
  const server = await listen(app, 0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
