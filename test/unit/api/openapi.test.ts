import type { Client } from '@temporalio/client';
import type { LightningClient } from '../../../activities/lightning/client';
import { createApp } from '../../../api/app';
import { GradientBody } from '../../../api/training/schema';
import { ErrorBody, ROUTES, openApiDocument } from '../../../api/openapi';
import type { OpenApiDocument } from '../../../api/openapi';
import { apiRouters } from '../../../server/coordinator/routes';
import { loadTrainingConfig } from '../../../server/coordinator/training-settings';
import type { PrismaClient } from '../../../db/client';
import type { TestApi } from '../../support/api';
import { startTestApi } from '../../support/api';

/** Routers only keep their dependencies when built; nothing here calls a handler that would use them. */
const routersWithoutServers = () =>
  apiRouters({
    temporal: {} as Client,
    prisma: {} as PrismaClient,
    lightning: {} as LightningClient,
    training: loadTrainingConfig({}),
  });

/** What the `router` package behind Express 5 keeps per layer: a route, or a mounted router and its stack. */
interface Layer {
  rawPath: string;
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

function registeredRoutes(stack: Layer[], prefix = ''): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const path = (prefix + layer.route.path).replace(/:(\w+)/g, '{$1}');
      return Object.keys(layer.route.methods).map((method) => `${method.toUpperCase()} ${path}`);
    }
    const mountedAt = layer.rawPath === '/' ? '' : layer.rawPath;
    return layer.handle.stack ? registeredRoutes(layer.handle.stack, prefix + mountedAt) : [];
  });
}

const documented = ROUTES.map((route) => `${route.method.toUpperCase()} ${route.path}`);
const document: OpenApiDocument = openApiDocument(ROUTES, '1.2.3');
const operationOf = (method: 'get' | 'post' | 'put', path: string) => {
  const operation = document.paths[path]?.[method];
  if (!operation) throw new Error(`${method} ${path} is not in the document`);
  return operation;
};

describe('the route catalogue', () => {
  it('lists exactly the routes the app registers, each once', () => {
    const app = createApp({
      status: {
        version: 'test',
        temporalNamespace: 'default',
        node: async () => ({ publicKey: '', blockHeight: 0, syncedToChain: true }),
      },
      routers: routersWithoutServers(),
      log: () => {},
    });
    const registered = new Set(registeredRoutes((app.router as unknown as { stack: Layer[] }).stack));

    expect(new Set(documented).size).toBe(documented.length);
    expect([...registered].sort()).toEqual([...documented].sort());
  });

  it('hands the generator the schemas the handlers parse with, not copies', () => {
    expect(ROUTES.find((route) => route.method === 'put' && route.path === '/gradient')?.body).toBe(
      GradientBody,
    );
  });
});

describe('openApiDocument', () => {
  it('is an OpenAPI 3.1 document with every catalogued operation', () => {
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expect(document.info).toMatchObject({ title: 'l402-train', version: '1.2.3' });
    for (const route of ROUTES) {
      const operation = operationOf(route.method, route.path);
      expect(operation.responses[String(route.success)]).toBeDefined();
      expect(operation.responses['500']).toBeDefined();
    }
  });

  it('declares each path template parameter as a required path parameter, and no other', () => {
    for (const route of ROUTES) {
      const inPath = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      const declared = (operationOf(route.method, route.path).parameters ?? []).filter(
        (parameter) => parameter.in === 'path',
      );
      expect(declared.map((parameter) => parameter.name).sort()).toEqual(inPath.sort());
      expect(declared.every((parameter) => parameter.required)).toBe(true);
    }
  });

  it('takes request bodies from the zod schemas (JSON Schema 2020-12, input side)', () => {
    const gradient = operationOf('put', '/gradient').requestBody?.content['application/json'].schema;
    expect(gradient?.required).toEqual(['peerId', 'round', 'checkpointHash', 'payload', 'nodePubkey']);
    expect(gradient?.additionalProperties).toBe(false);
    expect(gradient).not.toHaveProperty('$schema');
    // A field with a default is optional for the client.
    const create = operationOf('post', '/bounties').requestBody?.content['application/json'].schema;
    expect(create?.required).not.toContain('fundWithinSeconds');
    expect(create?.properties).toHaveProperty('fundWithinSeconds');
  });

  it('takes query parameters from the zod schemas', () => {
    const parameters = operationOf('get', '/bounties').parameters ?? [];
    expect(parameters.map((parameter) => [parameter.name, parameter.in, parameter.required])).toEqual([
      ['phase', 'query', false],
      ['bundle', 'query', false],
      ['limit', 'query', false],
    ]);
  });

  it('marks L402 routes: a 402 with the challenge header, always or only when asked', () => {
    const baseline = operationOf('get', '/bounty/{id}');
    expect(baseline.security).toEqual([{ L402: [] }]);
    expect(baseline.responses['402']?.headers).toHaveProperty('WWW-Authenticate');
    const gradient = operationOf('put', '/gradient');
    expect(gradient.security).toEqual([{}, { L402: [] }]);
    expect(gradient.responses['401']?.description).toContain('L402_NOT_PAID');
    expect(operationOf('get', '/bounties').security).toBeUndefined();
    expect(operationOf('get', '/bounties').responses['402']).toBeUndefined();
    expect(document.components.securitySchemes.L402).toMatchObject({ type: 'http', scheme: 'L402' });
  });

  it('answers errors in the common error body, naming the stable codes per status', () => {
    expect(document.components.schemas.Error).toMatchObject({
      properties: { error: { required: ['code', 'message'] } },
      required: ['error'],
    });
    const refusals = operationOf('post', '/bounties/{id}/submissions').responses['409'];
    expect(refusals?.content['application/json'].schema?.allOf).toEqual([
      { $ref: '#/components/schemas/Error' },
      {
        properties: {
          error: {
            properties: {
              code: {
                enum: [
                  'BOUNTY_NOT_OPEN',
                  'BOUNTY_POOL_EXHAUSTED',
                  'SUBMISSION_EXISTS',
                  'DIFF_DOES_NOT_APPLY',
                ],
              },
            },
          },
        },
      },
    ]);
  });
});

describe('discovery routes', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi(routersWithoutServers());
  });
  afterAll(async () => {
    await api?.close();
  });
  const get = async (path: string) => {
    const response = await fetch(`${api.url}${path}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('serves the document the 404 hint points to', async () => {
    const missing = await get('/no-such-route');
    expect(ErrorBody.parse(missing.body).error.hint).toContain('/openapi.json');
    const served = await get('/openapi.json');
    expect(served.status).toBe(200);
    expect(served.body).toEqual(JSON.parse(JSON.stringify(openApiDocument(ROUTES, 'test'))));
  });

  it('points agents from /.well-known/l402-train to documents that are served', async () => {
    const { status, body } = await get('/.well-known/l402-train');
    expect(status).toBe(200);
    expect(body).toMatchObject({ service: 'l402-train', version: 'test', l402: { scheme: 'L402' } });
    for (const link of [body.openapi, body.status]) expect((await get(String(link))).status).toBe(200);
  });
});
