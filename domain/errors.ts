/**
 * What each stable error code means wherever it appears: the HTTP status a response with it carries, whether the
 * same call can succeed later unchanged (an activity that raises it is retried; a client may retry), and what the
 * caller can do. The error classes, the OpenAPI error tables and the workers' non-retryable types derive from it.
 */
export interface ErrorMeaning {
  status: number;
  retryable: boolean;
  hint?: string;
}

/** The caller sent something no retry makes right. */
const refused = (status: number, hint?: string): ErrorMeaning => ({
  status,
  retryable: false,
  ...(hint ? { hint } : {}),
});
/** Something we depend on is busy or down: the same call may succeed later. */
const later = (status: number, hint?: string): ErrorMeaning => ({
  status,
  retryable: true,
  ...(hint ? { hint } : {}),
});
/**
 * Our own configuration is wrong. Retryable: a retried activity goes through once the operator fixes it, where
 * failing it for good would end a money workflow with its invoices held.
 */
const misconfigured = (hint?: string): ErrorMeaning => later(500, hint);

const NEW_CHALLENGE = 'Call again without an Authorization header to get a new challenge.';

export const ERROR_CATALOGUE = {
  // The error middleware's own.
  INVALID_INPUT: refused(400, 'Fix the named field and send the request again.'),
  MALFORMED_JSON: refused(400, 'Send a JSON object.'),
  BODY_TOO_LARGE: refused(413),
  NOT_FOUND: refused(404),
  ALREADY_EXISTS: refused(409),
  REFUSED: refused(409),
  TEMPORAL_UNAVAILABLE: later(503, 'Retry in a few seconds.'),
  INTERNAL: misconfigured(),
  // Idempotency keys.
  INVALID_IDEMPOTENCY_KEY: refused(400, 'Send a fresh UUID.'),
  IDEMPOTENCY_KEY_REUSED: refused(
    422,
    'Use a fresh key for a new request; repeat a request only with its own body.',
  ),
  IDEMPOTENCY_KEY_IN_USE: later(409, 'Repeat it after Retry-After seconds.'),
  // L402: the challenge, refused credentials, and the stake's own refusals.
  PAYMENT_REQUIRED: refused(
    402,
    'Pay the invoice in the WWW-Authenticate header, then retry with `Authorization: L402 <macaroon>:<preimage hex>` ' +
      '(for a hold-invoice stake: once paid, retry with `Authorization: L402 <macaroon>` alone).',
  ),
  L402_MALFORMED: refused(
    401,
    `Send \`Authorization: L402 <base64 macaroon>:<64 hex preimage>\`. ${NEW_CHALLENGE}`,
  ),
  L402_PREIMAGE_MISSING: refused(
    401,
    'Pay the invoice from the challenge and send `Authorization: L402 <macaroon>:<preimage hex>`.',
  ),
  L402_BAD_SIGNATURE: refused(401, `The macaroon was altered or not issued here. ${NEW_CHALLENGE}`),
  L402_UNKNOWN_CAVEAT: refused(
    401,
    `Only add first-party caveats named services, <service>_capabilities or <service>_valid_until. ${NEW_CHALLENGE}`,
  ),
  L402_CAVEAT_LOOSENED: refused(
    401,
    'Caveats may only tighten: a repeated condition must allow a subset (or an earlier expiry).',
  ),
  L402_WRONG_PREIMAGE: refused(401, "Send the preimage your wallet returned for this macaroon's invoice."),
  L402_EXPIRED: refused(401, `${NEW_CHALLENGE} Then pay again.`),
  L402_WRONG_SERVICE: refused(401, NEW_CHALLENGE),
  L402_WRONG_CAPABILITY: refused(401, NEW_CHALLENGE),
  L402_TOKEN_REVOKED: refused(401, NEW_CHALLENGE),
  L402_TOKEN_SPENT: refused(401, `Each job needs its own payment. ${NEW_CHALLENGE}`),
  L402_NOT_PAID: refused(
    401,
    'Pay the hold invoice from the challenge (it stays locked, not spent), wait until your wallet shows it in flight, then retry.',
  ),
  L402_WRONG_RESOURCE: refused(
    403,
    `A token opens only the resource it was bought for (e.g. one bounty). ${NEW_CHALLENGE}`,
  ),
  L402_WRONG_PRICE: refused(403, `The price went up since this token was bought. ${NEW_CHALLENGE}`),
  L402_WRONG_BODY: refused(
    403,
    'A stake token authorises only the exact body it was asked for: send that body again, or call without an Authorization header to stake this one.',
  ),
  L402_CONFIG_INVALID: misconfigured(),
  RATE_LIMITED: later(429),
  ESCROW_CAPACITY: later(503),
  ESCROW_INVOICES_NOT_THE_EARNERS: refused(
    403,
    "Every invoice must be signed by the escrow's earner node (its earnerPublicKey in GET /escrows/{escrowId}).",
  ),
  ESCROW_INVOICES_CLOSED: refused(
    409,
    'The escrow took its invoices already; follow GET /escrows/{escrowId}.',
  ),
  STAKE_MISMATCH: refused(402),
  // Training: the round's refusals at the door and in its update validator.
  NO_CHECKPOINT: later(503, 'Retry in a few seconds.'),
  ROUND_CLOSED: refused(409),
  WRONG_ROUND: refused(409),
  STALE_CHECKPOINT: refused(409),
  UNKNOWN_PEER: refused(409),
  ALREADY_SUBMITTED: refused(409),
  PAYLOAD_TOO_LARGE: refused(409),
  GRADIENT_COMPRESSION_MISMATCH: refused(
    409,
    "Compress with the run's settings: `compression` in GET /reward-schedule.",
  ),
  STAKE_REQUIRED: refused(409),
  CHECKPOINT_NOT_FOUND: refused(500),
  // The SparseLoCo wire format: a payload the kernels cannot accept.
  SPARSELOCO_BAD_OPTIONS: refused(400),
  SPARSELOCO_NON_FINITE_INPUT: refused(400),
  SPARSELOCO_SHAPE_MISMATCH: refused(400),
  SPARSELOCO_BAD_MAGIC: refused(400),
  SPARSELOCO_UNKNOWN_VERSION: refused(400),
  SPARSELOCO_UNKNOWN_INDEX_CODING: refused(400),
  SPARSELOCO_BAD_LENGTH: refused(400),
  SPARSELOCO_BAD_CHECKSUM: refused(400),
  SPARSELOCO_BAD_HEADER: refused(400),
  SPARSELOCO_INDEX_OUT_OF_RANGE: refused(400),
  SPARSELOCO_DUPLICATE_INDEX: refused(400),
  SPARSELOCO_UNSORTED_INDICES: refused(400),
  SPARSELOCO_BAD_PADDING: refused(400),
  SPARSELOCO_BAD_SCALE: refused(400),
  SPARSELOCO_EMPTY_AGGREGATE: refused(400),
  // Bounties, and the diff checks a submission passes before its stake is asked for.
  BOUNTY_NOT_FOUND: refused(404, 'See GET /bounties for the bounties.'),
  SUBMISSION_NOT_FOUND: refused(404, 'Use the submission id POST /bounties/{id}/submissions returned.'),
  BOUNTY_NOT_OPEN: refused(409, 'Only open bounties take submissions; see its phase in GET /bounties/{id}.'),
  BOUNTY_POOL_EXHAUSTED: later(
    409,
    'The pool left cannot cover one more reward cap; try after queued ones finish.',
  ),
  SUBMISSION_EXISTS: refused(409, 'That submission id is taken.'),
  BOUNTY_BUNDLE_UNKNOWN: refused(
    422,
    'Name a bounty bundle installed on the coordinator (e.g. example-sort).',
  ),
  BOUNTY_BUDGET_TOO_SMALL: refused(
    422,
    'Raise budgetSats to at least the cap plus its fee limits, or lower the cap.',
  ),
  CLOSE_TOKEN_INVALID: refused(403, 'Send the close token POST /bounties returned to the sponsor.'),
  DIFF_TOO_LARGE: refused(413),
  DIFF_MALFORMED: refused(400),
  DIFF_TOUCHES_FORBIDDEN_FILE: refused(422),
  DIFF_DOES_NOT_APPLY: refused(409),
  // Sandboxed evals and bundles. A sandbox that cannot run fails its eval for good: retrying the same host
  // would run the same way, and the submission is then judged EVAL_ERROR (its stake refunded).
  EVAL_OUTPUT_INVALID: refused(422),
  SANDBOX_UNAVAILABLE: refused(503),
  SANDBOX_LIMITS_UNAVAILABLE: refused(503),
  SANDBOX_PER_EVAL_LIMITS_UNAVAILABLE: refused(
    422,
    'This coordinator can only limit each eval process; choose a bundle whose eval.limits.accounting is per-process.',
  ),
  BOUNTY_MANIFEST_INVALID: refused(500),
  BOUNTY_BUNDLE_INVALID: refused(500),
  // Lightning: LND answers, and the hold-invoice rules our activities enforce.
  LIGHTNING_UNAVAILABLE: later(503),
  LIGHTNING_REQUEST_FAILED: later(502),
  INVOICE_NOT_FOUND: later(502),
  INVOICE_ALREADY_EXISTS: later(502),
  PAYMENT_FAILED: later(502),
  INVOICE_NOT_HELD: refused(502),
  INVOICE_ALREADY_FINAL: refused(409),
  PREIMAGE_MISMATCH: refused(500),
  PREIMAGE_INPUT_INVALID: misconfigured(),
  // Money rules given numbers outside their domain.
  ECON_INVALID_AMOUNT: refused(400),
  ECON_INVALID_TRANCHES: refused(400, 'Use 1 to 483 tranches and no more tranches than sats.'),
  ECON_INVALID_RULE: refused(400, 'See GET /reward-schedule for the rule format.'),
  ECON_INVALID_SCORE: refused(400),
  ECON_INVALID_FEE_POLICY: refused(400),
  ECON_INVALID_CLTV: refused(400),
  ECON_HOLD_WINDOW_TOO_LONG: refused(400),
  // Stored blobs: content-addressed, checked on every read.
  BLOB_NOT_FOUND: refused(500),
  BLOB_CORRUPT: refused(500),
  // The payload codec.
  CODEC_CONFIG_INVALID: misconfigured(),
  CODEC_UNKNOWN_KEY: misconfigured(
    'Add the key that encrypted this history to the codec keys (keep retired keys while histories use them).',
  ),
  CODEC_TAMPERED: refused(500),
  // The operator's CLI and the peer client.
  DATABASE_IN_USE: refused(409),
  RUN_NOT_FOUND: refused(404),
  RUN_NOT_ANSWERING: later(503),
  RUN_OVER: refused(409),
  // The local stack (`l402-train dev`).
  GO_TOOLCHAIN_MISSING: refused(500),
  TOOL_BUILD_FAILED: refused(500),
  PROCESS_START_FAILED: refused(500),
  STACK_NOT_RUNNING: refused(500),
  STACK_TIMEOUT: refused(500),
  BTCD_RPC_FAILED: refused(500),
  PORTS_IN_EPHEMERAL_RANGE: refused(500),
} as const satisfies Record<string, ErrorMeaning>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CATALOGUE, code);
}

/** The codes no activity retry can fix: the workers' non-retryable failure types. */
export const NON_RETRYABLE_CODES: readonly ErrorCode[] = ERROR_CODES.filter(
  (code) => !ERROR_CATALOGUE[code].retryable,
);
