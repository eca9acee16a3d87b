import type { Server } from 'node:http';
import type { Router } from 'express';
import { createApp } from '../../api/app';

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
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
