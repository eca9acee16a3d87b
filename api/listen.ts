import type { Server } from 'node:http';
import type { Express } from 'express';
import { CLIENT_IDLE_TIMEOUT_MS } from '../clients/retrying-fetch';

/**
 * Idle keep-alive connections are kept longer than any client of ours keeps them (and than the usual 60 s of a
 * load balancer in front), so a client never reuses a socket the server is closing: that race is a reset.
 */
export const SERVER_KEEP_ALIVE_MS = Math.max(65_000, CLIENT_IDLE_TIMEOUT_MS + 1_000);

/** Listens with the keep-alive above; resolves once the port is bound. */
export function listen(app: Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, () => resolve(server));
    server.keepAliveTimeout = SERVER_KEEP_ALIVE_MS;
    server.headersTimeout = SERVER_KEEP_ALIVE_MS + 1_000;
    server.once('error', reject);
  });
}
