import {
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { type ErrorCode, isErrorCode } from '../domain/errors';
import { L402TrainError } from '../domain/l402-train-error';

export class ApiError extends L402TrainError {}

interface ErrorBody {
  status: number;
  code: string;
  message: string;
  hint?: string;
  headers?: Record<string, string>;
}

/** The body of one of our errors, with the headers it asks for. */
function bodyOf(err: L402TrainError, headers?: Record<string, string>): ErrorBody {
  return {
    status: err.status,
    code: err.code,
    message: err.message,
    ...(err.hint ? { hint: err.hint } : {}),
    ...(headers ? { headers } : {}),
  };
}

/** A body for an error that is not ours (Temporal's, zod's, the body parser's), in the catalogue's terms. */
const catalogued = (code: ErrorCode, message: string, headers?: Record<string, string>): ErrorBody =>
  bodyOf(new L402TrainError(code, message), headers);

function describe(err: unknown): ErrorBody | null {
  if (err instanceof L402TrainError) {
    return bodyOf(err, (err as { headers?: Record<string, string> }).headers);
  }
  if (err instanceof ZodError) {
    const issue = err.issues[0];
    return catalogued(
      'INVALID_INPUT',
      issue ? `${issue.path.join('.') || 'input'}: ${issue.message}` : 'invalid input',
    );
  }
  if (err instanceof WorkflowNotFoundError) return catalogued('NOT_FOUND', 'no such workflow');
  // A refused update (a submission's parent or its own door): its failure type is the stable code (e.g. ROUND_CLOSED).
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const { type, message } = err.cause;
    return isErrorCode(type)
      ? catalogued(type, message)
      : { ...catalogued('REFUSED', message), code: type ?? 'REFUSED' };
  }
  if (err instanceof ServiceError) {
    // Temporal busy or restarting (e.g. a query while no worker can answer): a retry will do.
    return catalogued('TEMPORAL_UNAVAILABLE', 'the workflow service did not answer in time', {
      'Retry-After': '2',
    });
  }
  if (err instanceof WorkflowExecutionAlreadyStartedError) {
    return catalogued('ALREADY_EXISTS', 'that workflow is already running');
  }
  const bodyError = err as { type?: string; status?: number };
  if (bodyError.type === 'entity.parse.failed')
    return catalogued('MALFORMED_JSON', 'the body is not valid JSON');
  if (bodyError.type === 'entity.too.large') {
    return catalogued('BODY_TOO_LARGE', 'the body is larger than this route accepts');
  }
  return null;
}

/** The one error middleware: stable codes in `{ error: { code, message, hint } }`; anything unknown is a masked 500. */
export function errorMiddleware(log: (message: string, err: unknown) => void): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    const body = describe(err);
    if (!body) {
      log('unhandled error', err);
      res.status(500).json({ error: { code: 'INTERNAL', message: 'internal error' } });
      return;
    }
    if (body.headers) res.set(body.headers);
    res
      .status(body.status)
      .json({ error: { code: body.code, message: body.message, ...(body.hint ? { hint: body.hint } : {}) } });
  };
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(
    new ApiError('NOT_FOUND', `no route for ${req.method} ${req.path}`, 'See /openapi.json for the routes.'),
  );
};
