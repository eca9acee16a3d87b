import type { AddressInfo } from 'node:net';

import express, { type NextFunction, type Request, type Response as ExpressResponse } from 'express';

import {
  InMemoryRootKeyStore,
  InMemoryTokenSpends,
  l402Gate,
  renderL402Error,
  type L402GateOptions,
} from '../../../api/l402';
import type { GateLimits } from '../../../api/rate-limit';
import { L402TrainError } from '../../../domain/l402-train-error';
import type { TestPricing } from '../../support/gated';
import { gated } from '../../support/gated';
import { FakeInvoiceIssuer } from './fakes';

/** A settable clock shared by the gates, the issuer and the tests. */
export class TestClock {
  constructor(public nowMs = Date.UTC(2026, 10, 27, 8, 0, 0)) {}
  readonly now = (): number => this.nowMs;
  advanceSeconds(seconds: number): void {
    this.nowMs += seconds * 1000;
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Gate options without the dependencies the harness injects, and how the route prices a request. */
export type RouteGate = DistributiveOmit<L402GateOptions, 'rootKeys' | 'invoices' | 'spends' | 'now'> &
  TestPricing;

/** Gates here mint a fresh challenge per request and never rate-limit, unless a route sets its own limits. */
export const UNLIMITED: GateLimits = {
  challengesPerClient: { burst: 100_000, perMinute: 1_000_000 },
  usesPerToken: { burst: 100_000, perMinute: 1_000_000 },
  reuseChallengeSeconds: 0,
};

export interface TestServer {
  url: string;
  clock: TestClock;
  rootKeys: InMemoryRootKeyStore;
  issuer: FakeInvoiceIssuer;
  close(): Promise<void>;
}

/**
 * A real Express app on an ephemeral port: each route sits behind its gate and echoes the
 * verified token; errors go through one error middleware, as in the API.
 */
export async function startServer(routes: Record<string, RouteGate>): Promise<TestServer> {
  const clock = new TestClock();
  const rootKeys = new InMemoryRootKeyStore();
  const issuer = new FakeInvoiceIssuer(() => Math.floor(clock.now() / 1000));
  const spends = new InMemoryTokenSpends();
  const app = express();
  for (const [path, gate] of Object.entries(routes)) {
    const deps = { rootKeys, invoices: issuer, now: clock.now, limits: gate.limits ?? UNLIMITED };
    const options: L402GateOptions =
      gate.mode === 'reusable' ? { ...gate, ...deps } : { ...gate, ...deps, spends };
    app.get(
      path,
      gated(l402Gate(options), gate, (token) => ({ token })),
    );
  }
  app.use((err: unknown, _req: Request, res: ExpressResponse, _next: NextFunction) => {
    if (err instanceof L402TrainError) renderL402Error(err, res);
    else res.status(500).json({ error: { code: 'INTERNAL', message: 'internal error' } });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    clock,
    rootKeys,
    issuer,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

export interface Challenge {
  macaroon: string;
  invoice: string;
}

/** Requests `path` without credentials and returns the challenge from `WWW-Authenticate`. */
export async function challengeFor(server: TestServer, path: string): Promise<Challenge> {
  const response = await fetch(server.url + path);
  expect(response.status).toBe(402);
  const match = /^L402 macaroon="([^"]+)", invoice="([^"]+)"$/.exec(
    response.headers.get('www-authenticate') ?? '',
  );
  if (!match) throw new Error('no L402 challenge');
  return { macaroon: match[1]!, invoice: match[2]! };
}

export async function getWith(server: TestServer, path: string, authorization: string): Promise<Response> {
  return fetch(server.url + path, { headers: { authorization } });
}

export interface ErrorBody {
  error: { code: string; message: string; hint?: string };
}
