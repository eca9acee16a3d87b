import { createServer } from 'node:net';
import type { Socket } from 'node:net';

/** What the fault server does with the n-th connection (0-based). */
export type Fault = 'reset' | 'hang' | { status: number; retryAfter?: string } | 'ok';

export interface FaultServer {
  url: string;
  /** Connections accepted so far. */
  connections(): number;
  /** The Idempotency-Key header of each request that reached the answering stage. */
  keys(): (string | null)[];
  close(): Promise<void>;
}

/**
 * A loopback HTTP server that misbehaves on purpose: connection n gets `plan(n)`: a TCP reset as soon as the
 * request arrives, silence, an error status (with Retry-After), or `200 {"ok":true}`. Every answer closes its
 * connection, so each attempt of a client is one connection.
 */
export async function startFaultServer(plan: (connection: number) => Fault): Promise<FaultServer> {
  let count = 0;
  const keys: (string | null)[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    const fault = plan(count++);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let request = '';
    socket.on('data', (chunk) => {
      request += chunk.toString('latin1');
      if (!request.includes('\r\n\r\n')) return;
      keys.push(/^idempotency-key: *(.+)$/im.exec(request)?.[1]?.trim() ?? null);
      if (fault === 'reset') socket.resetAndDestroy();
      else if (fault === 'hang') return;
      else {
        const status = fault === 'ok' ? 200 : fault.status;
        const body = JSON.stringify(
          fault === 'ok' ? { ok: true } : { error: { code: 'BUSY', message: 'busy' } },
        );
        const retryAfter = fault !== 'ok' && fault.retryAfter ? `retry-after: ${fault.retryAfter}\r\n` : '';
        socket.end(
          `HTTP/1.1 ${status} X\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n` +
            `${retryAfter}connection: close\r\n\r\n${body}`,
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    connections: () => count,
    keys: () => keys,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
