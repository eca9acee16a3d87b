import { createHash } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { IdempotencyStore } from '../db/stores';
import { ApiError } from './errors';

export type IdempotencyErrorCode =
  'INVALID_IDEMPOTENCY_KEY' | 'IDEMPOTENCY_KEY_REUSED' | 'IDEMPOTENCY_KEY_IN_USE';

export class IdempotencyError extends ApiError {
  constructor(
    code: IdempotencyErrorCode,
    message: string,
    readonly headers?: Record<string, string>,
  ) {
    super(code, message);
  }
}

const KEY = /^[A-Za-z0-9._:-]{8,128}$/;

/** How long a first request may run before a repeat may take its key over (its process presumably died). */
export const IDEMPOTENCY_LEASE_MS = 120_000;

export interface IdempotencyOptions {
  leaseMs: number;
  /** How long a first answer is kept for repeats; older keys are forgotten (and the table stays bounded). */
  retentionMs: number;
  /** At most one sweep of forgotten keys this often, started by a request. */
  sweepEveryMs: number;
  now: () => number;
}

export const DEFAULT_IDEMPOTENCY_OPTIONS: IdempotencyOptions = {
  leaseMs: IDEMPOTENCY_LEASE_MS,
  retentionMs: 24 * 3_600_000,
  sweepEveryMs: 60_000,
  now: Date.now,
};

const requestHash = (req: Request) =>
  createHash('sha256')
    .update(JSON.stringify(req.body ?? null))
    .digest('hex');

/**
 * Honours `Idempotency-Key` on every POST, PUT and DELETE: the first request with a key runs; a repeat with the
 * same key and body gets the first 2xx answer back (`Idempotent-Replayed: true`) without running again, so no
 * second submission, invoice or workflow; the same key with another body is refused (422
 * IDEMPOTENCY_KEY_REUSED); a repeat while the first still runs is told to come back (409
 * IDEMPOTENCY_KEY_IN_USE, Retry-After). Only 2xx answers are kept: after a refusal or a 402 the key is free
 * again, so the paid repeat of a request may use the same key. Keys are kept `retentionMs` (24 h), then forgotten.
 * Runs before the resource routes.
 */
export function idempotencyMiddleware(
  store: IdempotencyStore,
  options: Partial<IdempotencyOptions> = {},
): RequestHandler {
  const { leaseMs, retentionMs, sweepEveryMs, now } = { ...DEFAULT_IDEMPOTENCY_OPTIONS, ...options };
  let lastSweepMs = -Infinity;
  const sweepNowAndThen = () => {
    if (now() - lastSweepMs < sweepEveryMs) return;
    lastSweepMs = now();
    // Best effort: a failed sweep leaves old keys for the next one.
    store.sweep(new Date(now() - retentionMs)).catch(() => {});
  };
  return (req: Request, res: Response, next: NextFunction) => {
    const key = req.get('idempotency-key');
    if (key === undefined || req.method === 'GET' || req.method === 'HEAD') return next();
    sweepNowAndThen();
    if (!KEY.test(key)) {
      return next(
        new IdempotencyError(
          'INVALID_IDEMPOTENCY_KEY',
          'an Idempotency-Key is 8 to 128 characters of A-Z a-z 0-9 . _ : -',
        ),
      );
    }
    const scope = `${req.method} ${req.path}`;
    const hash = requestHash(req);
    store
      .claim(scope, key, hash, leaseMs)
      .then((claim) => {
        if (claim.kind !== 'claimed' && claim.requestHash !== hash) {
          throw new IdempotencyError(
            'IDEMPOTENCY_KEY_REUSED',
            'this Idempotency-Key was used for a different request',
          );
        }
        if (claim.kind === 'answered') {
          res.set('idempotent-replayed', 'true').status(claim.status).json(claim.body);
          return;
        }
        if (claim.kind === 'in-flight') {
          throw new IdempotencyError(
            'IDEMPOTENCY_KEY_IN_USE',
            'the first request with this Idempotency-Key is still running',
            { 'Retry-After': '1' },
          );
        }
        recordAnswer(res, store, scope, key);
        next();
      })
      .catch(next);
  };
}

/** Keeps a 2xx answer under the key before sending it; frees the key for anything else. */
function recordAnswer(res: Response, store: IdempotencyStore, scope: string, key: string): void {
  const send = res.json.bind(res);
  let recorded = false;
  res.json = (body: unknown) => {
    if (recorded) return send(body);
    recorded = true;
    const kept =
      res.statusCode >= 200 && res.statusCode < 300
        ? store.complete(scope, key, res.statusCode, body)
        : store.release(scope, key);
    // The answer goes out either way; a key left claimed is taken over once its lease runs out.
    kept.then(
      () => send(body),
      () => send(body),
    );
    return res;
  };
}
