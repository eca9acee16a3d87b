import { createApp } from '../../../api/app';
import { GradientBody } from '../../../api/training/schema';
import { ErrorBody, openApiDocument } from '../../../api/openapi';
import type { OpenApiDocument } from '../../../api/openapi';
import type { TestApi } from '../../support/api';
import { startTestApi } from '../../support/api';
import { ROUTE_TABLE, TEST_STATUS, routesWithoutServers } from '../../support/route-table';

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

const documented = ROUTE_TABLE.map((route) => `${route.method.toUpperCase()} ${route.path}`);
const document: OpenApiDocument = openApiDocument(ROUTE_TABLE, '1.2.3');
const operationOf = (method: 'get' | 'post' | 'put', path: string) => {
  const operation = document.paths[path]?.[method];
  if (!operation) throw new Error(`${method} ${path} is not in the document`);
  return operation;
};

describe('the route catalogue', () => {
  it('lists exactly the routes the app registers, each once', () => {
    const app = createApp({ status: TEST_STATUS, ...routesWithoutServers(), log: () => {} });
    const registered = new Set(registeredRoutes((app.router as unknown as { stack: Layer[] }).stack));

    expect(new Set(documented).size).toBe(documented.length);
    expect([...registered].sort()).toEqual([...documented].sort());
  });

  it('hands the generator the schemas the handlers parse with, not copies', () => {
    expect(ROUTE_TABLE.find((route) => route.method === 'put' && route.path === '/gradient')?.body).toBe(
      GradientBody,
    );
  });
});

describe('openApiDocument', () => {
  it('is an OpenAPI 3.1 document with every catalogued operation', () => {
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expect(document.info).toMatchObject({ title: 'l402-train', version: '1.2.3' });
    for (const route of ROUTE_TABLE) {
      const operation = operationOf(route.method, route.path);
      expect(operation.responses[String(route.response.status)]).toBeDefined();
      expect(operation.responses['500']).toBeDefined();
    }
  });

  it('declares each path template parameter as a required path parameter, and no other', () => {
    for (const route of ROUTE_TABLE) {
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
                  'IDEMPOTENCY_KEY_IN_USE',
                ],
              },
            },
          },
        },
      },
    ]);
  });
});

describe('answers', () => {
  it('documents the body of every success answer from the schema the route checks it against', () => {
    for (const route of ROUTE_TABLE) {
      const schema = operationOf(route.method, route.path).responses[String(route.response.status)]?.content[
        'application/json'
      ].schema;
      expect([route.path, schema?.type]).toEqual([route.path, 'object']);
      expect(Object.keys(schema?.properties ?? {}).length).toBeGreaterThan(0);
    }
    const accepted = operationOf('put', '/gradient').responses['202']?.content['application/json'].schema;
    expect(accepted?.required).toEqual(['submissionId', 'escrowId', 'escrow', 'stake']);
  });

  it('lists RATE_LIMITED where a free route counts its clients: bounty creation', () => {
    const limited = ROUTE_TABLE.filter((route) => route.perClient).map(
      (route) => `${route.method} ${route.path}`,
    );
    expect(limited).toEqual(['post /bounties']);
    expect(operationOf('post', '/bounties').responses['429']?.description).toBe('RATE_LIMITED');
  });

  it('lists the idempotency refusals on every POST and PUT, and on no GET', () => {
    for (const route of ROUTE_TABLE) {
      const codes = Object.values(operationOf(route.method, route.path).responses).flatMap((response) =>
        response.description.split(', '),
      );
      expect([route.method, route.path, codes.includes('IDEMPOTENCY_KEY_REUSED')]).toEqual([
        route.method,
        route.path,
        route.method !== 'get',
      ]);
    }
  });
});

describe('discovery routes', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi(routesWithoutServers());
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
    expect(served.body).toEqual(JSON.parse(JSON.stringify(openApiDocument(ROUTE_TABLE, 'test'))));
  });

  it('points agents from /.well-known/l402-train to documents that are served', async () => {
    const { status, body } = await get('/.well-known/l402-train');
    expect(status).toBe(200);
    expect(body).toMatchObject({ service: 'l402-train', version: 'test', l402: { scheme: 'L402' } });
    for (const link of [body.openapi, body.status]) expect((await get(String(link))).status).toBe(200);
  });
});
