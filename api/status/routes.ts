import { z } from 'zod';
import { TASK_QUEUES } from '../../temporal-config';
import type { OpenApiDocument } from '../openapi';
import type { ApiRoute } from '../route';
import { defineRoute } from '../route';

export interface StatusSource {
  /** The coordinator node's identity and chain view, read live from LND. */
  node(): Promise<{ publicKey: string; blockHeight: number; syncedToChain: boolean }>;
  temporalNamespace: string;
  version: string;
}

const StatusBody = z.object({
  service: z.literal('l402-train'),
  version: z.string(),
  network: z.literal('regtest'),
  node: z.object({ publicKey: z.string(), blockHeight: z.number().int(), syncedToChain: z.boolean() }),
  temporal: z.object({ namespace: z.string(), taskQueues: z.record(z.string(), z.string()) }),
});

const DiscoveryBody = z.object({
  service: z.literal('l402-train'),
  version: z.string(),
  openapi: z.string(),
  status: z.string(),
  l402: z.object({
    scheme: z.literal('L402'),
    challenge: z.string(),
    accessFee: z.string(),
    stake: z.string(),
  }),
});

const DocumentBody = z
  .object({
    openapi: z.string(),
    info: z.object({ title: z.string(), version: z.string(), description: z.string() }),
    paths: z.record(z.string(), z.unknown()),
    components: z.record(z.string(), z.unknown()),
  })
  .describe('An OpenAPI 3.1 document');

/**
 * `/status` (the published l402-train path) and `/status.json` answer the same document; with `/openapi.json` and
 * `/.well-known/l402-train` they are how an agent discovers the API. `document` is the app's, built from every
 * route it mounts.
 */
export function statusRoutes(source: StatusSource, document: () => OpenApiDocument): ApiRoute[] {
  const status = async () => ({
    service: 'l402-train' as const,
    version: source.version,
    network: 'regtest' as const,
    node: await source.node(),
    temporal: { namespace: source.temporalNamespace, taskQueues: { ...TASK_QUEUES } },
  });
  const discovery = { method: 'get', tag: 'discovery' } as const;
  return [
    defineRoute({
      ...discovery,
      path: '/status',
      summary: 'Service, node and Temporal status',
      response: { status: 200, body: StatusBody },
      handler: status,
    }),
    defineRoute({
      ...discovery,
      path: '/status.json',
      summary: 'Same document as /status',
      response: { status: 200, body: StatusBody },
      handler: status,
    }),
    defineRoute({
      ...discovery,
      path: '/health',
      summary: 'Liveness: { ok: true }',
      response: { status: 200, body: z.object({ ok: z.literal(true) }) },
      handler: async () => ({ ok: true as const }),
    }),
    defineRoute({
      ...discovery,
      path: '/openapi.json',
      summary: 'This document',
      response: { status: 200, body: DocumentBody },
      handler: async () => document(),
    }),
    defineRoute({
      ...discovery,
      path: '/.well-known/l402-train',
      summary: 'Discovery for agents: where the API document and status are, the L402 scheme',
      response: { status: 200, body: DiscoveryBody },
      handler: async () => ({
        service: 'l402-train' as const,
        version: source.version,
        openapi: '/openapi.json',
        status: '/status.json',
        l402: {
          scheme: 'L402' as const,
          challenge: 'HTTP 402 with WWW-Authenticate: L402 macaroon="<base64>", invoice="<bolt11>"',
          accessFee: 'Authorization: L402 <macaroon>:<preimage hex>',
          stake: 'Authorization: L402 <macaroon> (once the hold invoice is paid and held)',
        },
      }),
    }),
  ];
}
