import { z } from 'zod';
import { ERROR_CATALOGUE, type ErrorCode } from '../domain/errors';
import {
  BountyListQuery,
  BountyParams,
  CloseBody,
  CreateBountyBody,
  SubmissionParams as BountySubmissionParams,
  SubmitBody,
} from './bounties/schema';
import { EscrowInvoicesBody, EscrowParams } from './escrows/schema';
import { GradientBody, RoundParams, SubmissionParams as RoundSubmissionParams } from './training/schema';

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
  paths: Record<string, Partial<Record<RouteDoc['method'], Operation>>>;
  components: {
    schemas: Record<string, JsonSchema>;
    securitySchemes: Record<string, { type: 'http'; scheme: string; description: string }>;
  };
}

/**
 * How a route is paid: an L402 access fee (a reusable token, settled at once) or a stake (L402 hold mode: the
 * invoice stays held until the verdict). `when` names the condition of a route that asks only sometimes.
 */
export interface RoutePayment {
  mode: 'access-fee' | 'stake';
  when?: string;
}

export interface RouteDoc {
  method: 'get' | 'post' | 'put';
  /** OpenAPI form: `/bounties/{id}`. */
  path: string;
  tag: 'discovery' | 'training' | 'bounties' | 'escrows';
  summary: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  success: 200 | 201 | 202;
  payment?: RoutePayment;
  /** Codes beyond those every route of its kind can answer (input, body, payment and INTERNAL are added). */
  errors?: ErrorCode[];
}

const TEMPORAL: ErrorCode[] = ['TEMPORAL_UNAVAILABLE'];
const BASELINE: Omit<RouteDoc, 'path' | 'summary'> = {
  method: 'get',
  tag: 'bounties',
  params: BountyParams,
  success: 200,
  payment: { mode: 'access-fee' },
  errors: ['BOUNTY_NOT_FOUND', ...TEMPORAL],
};
const SUBMIT: Omit<RouteDoc, 'path' | 'summary'> = {
  method: 'post',
  tag: 'bounties',
  params: BountyParams,
  body: SubmitBody,
  success: 202,
  payment: { mode: 'stake', when: 'the bounty sets stakeSats' },
  errors: [
    'BOUNTY_NOT_FOUND',
    'BOUNTY_NOT_OPEN',
    'BOUNTY_POOL_EXHAUSTED',
    'SUBMISSION_EXISTS',
    'DIFF_TOO_LARGE',
    'DIFF_MALFORMED',
    'DIFF_TOUCHES_FORBIDDEN_FILE',
    'DIFF_DOES_NOT_APPLY',
    ...TEMPORAL,
  ],
};

/** Every route the coordinator serves, with the zod schemas its handlers parse. */
export const ROUTES: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/status',
    tag: 'discovery',
    summary: 'Service, node and Temporal status',
    success: 200,
  },
  {
    method: 'get',
    path: '/status.json',
    tag: 'discovery',
    summary: 'Same document as /status',
    success: 200,
  },
  { method: 'get', path: '/health', tag: 'discovery', summary: 'Liveness: { ok: true }', success: 200 },
  { method: 'get', path: '/openapi.json', tag: 'discovery', summary: 'This document', success: 200 },
  {
    method: 'get',
    path: '/.well-known/l402-train',
    tag: 'discovery',
    summary: 'Discovery for agents: where the API document and status are, the L402 scheme',
    success: 200,
  },
  {
    method: 'get',
    path: '/checkpoint',
    tag: 'training',
    summary: 'The current global weights (float32 LE, base64) and the round they are for',
    success: 200,
    payment: { mode: 'access-fee', when: 'the run prices the checkpoint' },
    errors: ['NO_CHECKPOINT', ...TEMPORAL],
  },
  {
    method: 'put',
    path: '/gradient',
    tag: 'training',
    summary: 'Submit a compressed update for the open round; answers with the escrow that pays the peer',
    body: GradientBody,
    success: 202,
    payment: { mode: 'stake', when: 'the round sets stakeSats' },
    errors: [
      'NOT_FOUND',
      'ROUND_CLOSED',
      'WRONG_ROUND',
      'STALE_CHECKPOINT',
      'UNKNOWN_PEER',
      'ALREADY_SUBMITTED',
      'PAYLOAD_TOO_LARGE',
      'GRADIENT_COMPRESSION_MISMATCH',
      'STAKE_REQUIRED',
      ...TEMPORAL,
    ],
  },
  {
    method: 'get',
    path: '/reward-schedule',
    tag: 'training',
    summary: 'The payout rule, tranches, acceptance rule and stake as data',
    success: 200,
  },
  {
    method: 'get',
    path: '/rounds/current',
    tag: 'training',
    summary: "The run's state and its current round",
    success: 200,
    errors: TEMPORAL,
  },
  {
    method: 'get',
    path: '/rounds/{n}',
    tag: 'training',
    summary: 'One round: its status and decided submissions',
    params: RoundParams,
    success: 200,
    errors: ['NOT_FOUND', ...TEMPORAL],
  },
  {
    method: 'get',
    path: '/rounds/{n}/submissions/{id}',
    tag: 'training',
    summary: 'One decided submission (without its payload)',
    params: RoundSubmissionParams,
    success: 200,
    errors: ['NOT_FOUND'],
  },
  {
    method: 'get',
    path: '/bounties',
    tag: 'bounties',
    summary: 'List bounties',
    query: BountyListQuery,
    success: 200,
  },
  {
    method: 'post',
    path: '/bounties',
    tag: 'bounties',
    summary: 'Create a bounty; answers with its funding invoice and the close token',
    body: CreateBountyBody,
    success: 201,
    errors: ['BOUNTY_BUNDLE_UNKNOWN', 'BOUNTY_BUDGET_TOO_SMALL', ...TEMPORAL],
  },
  {
    method: 'get',
    path: '/bounties/{id}',
    tag: 'bounties',
    summary: 'A bounty: terms, payout rule and judge rules as data',
    params: BountyParams,
    success: 200,
    errors: ['BOUNTY_NOT_FOUND'],
  },
  { ...BASELINE, path: '/bounties/{id}/baseline', summary: 'The baseline files and best score' },
  { ...SUBMIT, path: '/bounties/{id}/submissions', summary: 'Submit a diff to an open bounty' },
  {
    method: 'get',
    path: '/bounties/{id}/submissions/{sid}',
    tag: 'bounties',
    summary: 'One submission and its verdict',
    params: BountySubmissionParams,
    success: 200,
    errors: ['SUBMISSION_NOT_FOUND'],
  },
  {
    method: 'get',
    path: '/bounties/{id}/leaderboard',
    tag: 'bounties',
    summary: 'Accepted submissions, best first',
    params: BountyParams,
    success: 200,
    errors: ['BOUNTY_NOT_FOUND'],
  },
  {
    method: 'post',
    path: '/bounties/{id}/close',
    tag: 'bounties',
    summary: 'Close a bounty (sponsor, with the close token)',
    params: BountyParams,
    body: CloseBody,
    success: 202,
    errors: ['BOUNTY_NOT_FOUND', 'CLOSE_TOKEN_INVALID', ...TEMPORAL],
  },
  { ...BASELINE, path: '/bounty/{id}', summary: 'Published alias of GET /bounties/{id}/baseline' },
  { ...SUBMIT, path: '/bounty/{id}/submit', summary: 'Published alias of POST /bounties/{id}/submissions' },
  {
    method: 'get',
    path: '/escrows/{escrowId}',
    tag: 'escrows',
    summary: 'A reward escrow as its earner follows it: hashes to invoice, then tranches to settle',
    params: EscrowParams,
    success: 200,
    errors: ['NOT_FOUND', ...TEMPORAL],
  },
  {
    method: 'post',
    path: '/escrows/{escrowId}/invoices',
    tag: 'escrows',
    summary: "The earner's hold invoices, one per tranche",
    params: EscrowParams,
    body: EscrowInvoicesBody,
    success: 202,
    errors: ['NOT_FOUND', ...TEMPORAL],
  },
];

/** The body of every error answer, as the error middleware writes it. */
export const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), hint: z.string().optional() }),
});

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
const PAYMENT_ERRORS: Record<RoutePayment['mode'], ErrorCode[]> = {
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

const PAYMENT_TEXT: Record<RoutePayment['mode'], string> = {
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

/** JSON Schema 2020-12 of what a client sends (defaults make fields optional); the dialect is the document's. */
function inputSchema(schema: z.ZodType): JsonSchema {
  const json: JsonSchema = { ...z.toJSONSchema(schema, { io: 'input' }) };
  delete json.$schema;
  return json;
}

function parameters(where: 'path' | 'query', schema: z.ZodObject | undefined): Parameter[] {
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

function errorCodes(route: RouteDoc): ErrorCode[] {
  const codes: ErrorCode[] = [...(route.errors ?? [])];
  if (route.params ?? route.query ?? route.body) codes.push('INVALID_INPUT');
  if (route.body) codes.push('MALFORMED_JSON', 'BODY_TOO_LARGE');
  if (route.payment) codes.push(...PAYMENT_ERRORS[route.payment.mode]);
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

function errorResponses(route: RouteDoc): Record<string, Response> {
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

function operation(route: RouteDoc): Operation {
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
      [String(route.success)]: { description: route.summary, content: { 'application/json': {} } },
      ...errorResponses(route),
    },
  };
}

/** The OpenAPI 3.1 document of these routes; request schemas come from the zod schemas the handlers parse with. */
export function openApiDocument(routes: readonly RouteDoc[], version: string): OpenApiDocument {
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
