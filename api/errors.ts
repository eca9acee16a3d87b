import {
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { L402TrainError } from '../lib/errors';

export class ApiError extends L402TrainError {}

interface ErrorBody {
  status: number;
  code: string;
  message: string;
  hint?: string;
  headers?: Record<string, string>;
}

function describe(err: unknown): ErrorBody | null {
  if (err instanceof L402TrainError) {
    const headers = (err as { headers?: Record<string, string> }).headers;
    return {
      status: err.status,
      code: err.code,
      message: err.message,
      ...(err.hint ? { hint: err.hint } : {}),
      ...(headers ? { headers } : {}),
    };
  }
  if (err instanceof ZodError) {
    const issue = err.issues[0];
    return {
      status: 400,
      code: 'INVALID_INPUT',
      message: issue ? `${issue.path.join('.') || 'input'}: ${issue.message}` : 'invalid input',
      hint: 'Fix the named field and send the request again.',
    };
  }
  if (err instanceof WorkflowNotFoundError)
    return { status: 404, code: 'NOT_FOUND', message: 'no such workflow' };
  // An update validator's refusal: its failure type is the stable code (e.g. ROUND_CLOSED, ALREADY_SUBMITTED).
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    return { status: 409, code: err.cause.type ?? 'REFUSED', message: err.cause.message };
  }
  if (err instanceof ServiceError) {
    // Temporal busy or restarting (e.g. a query while no worker can answer): a retry will do.
    return {
      status: 503,
      code: 'TEMPORAL_UNAVAILABLE',
      message: 'the workflow service did not answer in time',
      hint: 'Retry in a few seconds.',
      headers: { 'Retry-After': '2' },
    };
  }
  if (err instanceof WorkflowExecutionAlreadyStartedError) {
    return { status: 409, code: 'ALREADY_EXISTS', message: 'that workflow is already running' };
  }
  const bodyError = err as { type?: string; status?: number };
  if (bodyError.type === 'entity.parse.failed') {
    return {
      status: 400,
      code: 'MALFORMED_JSON',
      message: 'the body is not valid JSON',
      hint: 'Send a JSON object.',
    };
  }
  if (bodyError.type === 'entity.too.large') {
    return { status: 413, code: 'BODY_TOO_LARGE', message: 'the body is larger than this route accepts' };
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
    new ApiError(
      'NOT_FOUND',
      `no route for ${req.method} ${req.path}`,
      404,
      'See /openapi.json for the routes.',
    ),
  );
};
