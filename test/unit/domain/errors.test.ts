import { ApplicationFailure } from '@temporalio/common';
import type { Request, Response } from 'express';
import { asApplicationFailure } from '../../../activities/failure-boundary';
import { LightningError } from '../../../activities/lightning/errors';
import { BountyApiError } from '../../../api/bounties/errors';
import { errorMiddleware } from '../../../api/errors';
import { L402RejectedError } from '../../../api/l402/errors';
import { openApiDocument } from '../../../api/openapi';
import { ROUTE_TABLE } from '../../support/route-table';
import { BlobError } from '../../../db/blobs';
import { SandboxError } from '../../../domain/bounty';
import { ERROR_CATALOGUE, ERROR_CODES, NON_RETRYABLE_CODES } from '../../../domain/errors';
import { InvalidTranchesError } from '../../../domain/money';
import { L402TrainError } from '../../../domain/l402-train-error';
import { ACTIVITY_PROFILES } from '../../../temporal-config';

/** What the error middleware answers for one error. */
function rendered(err: unknown): { status: number; body: { error: { code: string; hint?: string } } } {
  const answer = { status: 0, body: undefined as unknown };
  const res = {
    status(code: number) {
      answer.status = code;
      return res;
    },
    json(body: unknown) {
      answer.body = body;
      return res;
    },
    set: () => res,
  } as unknown as Response;
  errorMiddleware(() => undefined)(err, {} as Request, res, () => undefined);
  return answer as ReturnType<typeof rendered>;
}

describe('one error catalogue', () => {
  it.each(ERROR_CODES)('%s answers with its catalogue status and hint', (code) => {
    const meaning: { status: number; hint?: string } = ERROR_CATALOGUE[code];
    const { status, body } = rendered(new L402TrainError(code, 'probe'));
    expect(status).toBe(meaning.status);
    expect(body.error.code).toBe(code);
    expect(body.error.hint).toBe(meaning.hint);
  });

  it('a hint given where the error is raised wins over the catalogue', () => {
    expect(rendered(new BountyApiError('STAKE_MISMATCH', 'x', 'Pay this one.')).body.error.hint).toBe(
      'Pay this one.',
    );
  });

  it('every class takes its status from its code, not from where it is raised', () => {
    const raised = [
      new SandboxError('DIFF_TOO_LARGE', 'x'),
      new L402RejectedError('L402_WRONG_BODY'),
      new LightningError('LIGHTNING_UNAVAILABLE', 'x'),
      new BlobError('BLOB_CORRUPT', 'ab'.repeat(32)),
      new InvalidTranchesError('x'),
    ];
    expect(raised.map((err) => [err.code, err.status])).toEqual(
      raised.map((err) => [err.code, ERROR_CATALOGUE[err.code].status]),
    );
  });

  it('the OpenAPI document lists each code under the status the catalogue gives it', () => {
    const doc = openApiDocument(ROUTE_TABLE, 'test');
    const listed = Object.values(doc.paths).flatMap((operations) =>
      Object.values(operations).flatMap((operation) =>
        Object.entries(operation!.responses)
          .filter(([status]) => Number(status) >= 400)
          .flatMap(([status, response]) =>
            response.description.split(', ').map((code) => [code, Number(status)]),
          ),
      ),
    );
    expect(listed.length).toBeGreaterThan(50);
    for (const [code, status] of listed) {
      expect([code, ERROR_CATALOGUE[code as keyof typeof ERROR_CATALOGUE].status]).toEqual([code, status]);
    }
  });

  it("every activity profile's retry policy refuses exactly the catalogue's non-retryable codes", () => {
    for (const profile of Object.values(ACTIVITY_PROFILES)) {
      expect([...(profile.retry.nonRetryableErrorTypes ?? [])].sort()).toEqual(
        [...NON_RETRYABLE_CODES].sort(),
      );
    }
    expect(NON_RETRYABLE_CODES).toEqual(expect.arrayContaining(['SANDBOX_UNAVAILABLE', 'BLOB_NOT_FOUND']));
    expect(NON_RETRYABLE_CODES).not.toContain('LIGHTNING_UNAVAILABLE');
  });
});

describe('the failure boundary of activities', () => {
  it.each([
    [new SandboxError('SANDBOX_UNAVAILABLE', 'bwrap is missing'), true],
    [new BlobError('BLOB_NOT_FOUND', 'ab'.repeat(32)), true],
    [new LightningError('INVOICE_ALREADY_FINAL', 'settled'), true],
    [new LightningError('LIGHTNING_UNAVAILABLE', 'lnd is restarting'), false],
    [new L402TrainError('PREIMAGE_INPUT_INVALID', 'short secret'), false],
  ])('carries %s as its code, non-retryable: %s', (err, nonRetryable) => {
    const failure = asApplicationFailure(err);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: err.code, message: err.message, nonRetryable });
  });

  it('lets anything that is not a domain error through as thrown', () => {
    const err = new TypeError('a bug');
    expect(asApplicationFailure(err)).toBe(err);
  });
});
