import { z } from 'zod';
import { ERROR_CATALOGUE, type ErrorCode } from '../domain/errors';
import type { ApiRoute, PaymentMode, RouteMethod } from './route';

type JsonSchema = z.core.JSONSchema.JSONSchema;

/** The parts of OpenAPI 3.1 this document uses. */
interface Parameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  schema: z.core.JSONSchema._JSONSchema;
}
interface Content {
  'application/json': { schema?: JsonSchema };
}
interface Response {
  description: string;
  headers?: Record<string, { description: string; required: boolean; schema: JsonSchema }>;
  content: Content;
}
interface Operation {
  tags: string[];
  summary: string;
  description?: string;
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { required: boolean; content: Content };
  responses: Record<string, Response>;
}
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description: string };
  paths: Record<string, Partial<Record<RouteMethod, Operation>>>;
  components: {
    schemas: Record<string, JsonSchema>;
    securitySchemes: Record<string, { type: 'http'; scheme: string; description: string }>;
  };
}

/** The body of every error answer, as the error middleware writes it. */
export const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), hint: z.string().optional() }),
});

/** What the idempotency layer can answer on a POST or PUT that sends an `Idempotency-Key`. */
const IDEMPOTENCY_ERRORS: ErrorCode[] = [
  'INVALID_IDEMPOTENCY_KEY',
  'IDEMPOTENCY_KEY_REUSED',
  'IDEMPOTENCY_KEY_IN_USE',
];

const L402_REJECTED: ErrorCode[] = [
  'L402_MALFORMED',
  'L402_BAD_SIGNATURE',
  'L402_UNKNOWN_CAVEAT',
  'L402_CAVEAT_LOOSENED',
  'L402_EXPIRED',
  'L402_WRONG_SERVICE',
  'L402_WRONG_CAPABILITY',
  'L402_TOKEN_REVOKED',
  'L402_WRONG_RESOURCE',
  'L402_WRONG_PRICE',
  'RATE_LIMITED',
];
const PAYMENT_ERRORS: Record<PaymentMode, ErrorCode[]> = {
  'access-fee': ['PAYMENT_REQUIRED', ...L402_REJECTED, 'L402_PREIMAGE_MISSING', 'L402_WRONG_PREIMAGE'],
  stake: [
    'PAYMENT_REQUIRED',
    ...L402_REJECTED,
    'L402_NOT_PAID',
    'L402_TOKEN_SPENT',
    'L402_WRONG_BODY',
    'STAKE_MISMATCH',
    'ESCROW_CAPACITY',
  ],
};

const PAYMENT_TEXT: Record<PaymentMode, string> = {
  'access-fee':
    'L402 access fee: a 402 carries `WWW-Authenticate: L402 macaroon="…", invoice="…"`; pay the invoice and ' +
    'retry with `Authorization: L402 <macaroon>:<preimage hex>` (the token is reusable until it expires, on the ' +
    'resource it was bought for, while the price it paid is at least the price now). The same request asked again ' +
    'within a minute gets the same invoice; challenges are rate-limited per client (429 with Retry-After).',
  stake:
    'L402 stake (hold mode): a 402 carries `WWW-Authenticate: L402 macaroon="…", invoice="…"` for a hold ' +
    'invoice; pay it (it stays held, not settled) and retry with `Authorization: L402 <macaroon>` and the same ' +
    'body: the token is bound to the sha256 of the parsed body (keys sorted, no whitespace), and another body is ' +
    'refused with L402_WRONG_BODY.',
};

/** JSON Schema 2020-12 of one side of a schema (on the input side defaults make fields optional). */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json: JsonSchema = { ...z.toJSONSchema(schema, { io }) };
  delete json.$schema;
  return json;
}
/** What a client sends; the dialect is the document's. */
const inputSchema = (schema: z.ZodType) => jsonSchema(schema, 'input');
/** What a route answers: the schema every answer of the route is checked against before it is sent. */
const outputSchema = (schema: z.ZodType) => jsonSchema(schema, 'output');

function parameters(where: 'path' | 'query', schema: z.ZodType | undefined): Parameter[] {
  if (!schema) return [];
  const json = inputSchema(schema);
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: property,
  }));
}

function errorCodes(route: ApiRoute): ErrorCode[] {
  const codes: ErrorCode[] = [...(route.errors ?? [])];
  if (route.params ?? route.query ?? route.body) codes.push('INVALID_INPUT');
  if (route.body) codes.push('MALFORMED_JSON', 'BODY_TOO_LARGE');
  if (route.payment) codes.push(...PAYMENT_ERRORS[route.payment.mode]);
  if (route.method !== 'get') codes.push(...IDEMPOTENCY_ERRORS);
  if (route.perClient) codes.push('RATE_LIMITED');
  codes.push('INTERNAL');
  return [...new Set(codes)];
}

const L402_CHALLENGE_HEADER: Response['headers'] = {
  'WWW-Authenticate': {
    description: 'The L402 challenge: the macaroon to present and the invoice to pay.',
    required: true,
    schema: { type: 'string', pattern: '^L402 macaroon="[^"]+", invoice="[^"]+"$' },
  },
};

function errorResponses(route: ApiRoute): Record<string, Response> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorCodes(route)) {
    const { status } = ERROR_CATALOGUE[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, codes]) => [
      String(status),
      {
        description: codes.join(', '),
        ...(codes.includes('PAYMENT_REQUIRED') ? { headers: L402_CHALLENGE_HEADER } : {}),
        content: {
          'application/json': {
            schema: {
              allOf: [
                { $ref: '#/components/schemas/Error' },
                { properties: { error: { properties: { code: { enum: codes } } } } },
              ],
            },
          },
        },
      },
    ]),
  );
}

function operation(route: ApiRoute): Operation {
  const { payment } = route;
  return {
    tags: [route.tag],
    summary: route.summary,
    ...(payment
      ? {
          description: payment.when
            ? `${PAYMENT_TEXT[payment.mode]} Asked only when ${payment.when}.`
            : PAYMENT_TEXT[payment.mode],
          // An empty requirement makes the payment optional: the route asks for it only sometimes.
          security: payment.when ? [{}, { L402: [] }] : [{ L402: [] }],
        }
      : {}),
    ...(route.params || route.query
      ? { parameters: [...parameters('path', route.params), ...parameters('query', route.query)] }
      : {}),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: inputSchema(route.body) } },
          },
        }
      : {}),
    responses: {
      [String(route.response.status)]: {
        description: route.summary,
        content: { 'application/json': { schema: outputSchema(route.response.body) } },
      },
      ...errorResponses(route),
    },
  };
}

/**
 * The OpenAPI 3.1 document of these routes, from their definitions: request and answer schemas are the zod schemas
 * the routes parse and check with, error tables come from each route's codes through the catalogue.
 */
export function openApiDocument(routes: readonly ApiRoute[], version: string): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) paths[route.path] = { ...paths[route.path], [route.method]: operation(route) };
  return {
    openapi: '3.1.1',
    info: {
      title: 'l402-train',
      version,
      description:
        'Pays for AI work over Lightning. Errors answer `{ error: { code, message, hint? } }` with a stable code.',
    },
    paths,
    components: {
      schemas: { Error: inputSchema(ErrorBody) },
      securitySchemes: {
        L402: {
          type: 'http',
          scheme: 'L402',
          description: 'L402 (macaroon + Lightning invoice); see each paid route for access fee or stake.',
        },
      },
    },
  };
}
