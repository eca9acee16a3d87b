import { createHash, createHmac } from 'node:crypto';

import fc from 'fast-check';

import { PreimageInputError, derivePreimage, paymentHashOf } from '../../../domain/money/preimages';

const secret = Buffer.alloc(32, 7);

describe('derivePreimage', () => {
  it('is HMAC-SHA256 over the labelled, length-prefixed encoding', () => {
    const expected = createHmac('sha256', secret)
      .update(
        Buffer.concat([
          Buffer.from('l402-train/escrow-preimage/v1\0'),
          Buffer.from([0, 0, 0, 5]),
          Buffer.from('sub-1'),
          Buffer.from([0, 0, 0, 2]),
        ]),
      )
      .digest();
    expect(derivePreimage(secret, 'sub-1', 2)).toEqual(expected);
  });

  it('is deterministic and 32 bytes long', () => {
    expect(derivePreimage(secret, 'sub-1', 0)).toEqual(derivePreimage(Buffer.from(secret), 'sub-1', 0));
    expect(derivePreimage(secret, 'sub-1', 0)).toHaveLength(32);
  });

  it('separates submissions, tranches and secrets', () => {
    const preimages = [
      derivePreimage(secret, 'sub-1', 0),
      derivePreimage(secret, 'sub-1', 1),
      derivePreimage(secret, 'sub-2', 0),
      derivePreimage(Buffer.alloc(32, 8), 'sub-1', 0),
    ].map((p) => p.toString('hex'));
    expect(new Set(preimages).size).toBe(preimages.length);
  });

  it('never collides for distinct (submission, tranche) pairs', () => {
    const input = fc.tuple(
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.integer({ min: 0, max: 0xffff_ffff }),
    );
    fc.assert(
      fc.property(input, input, ([idA, trancheA], [idB, trancheB]) => {
        fc.pre(idA !== idB || trancheA !== trancheB);
        expect(derivePreimage(secret, idA, trancheA)).not.toEqual(derivePreimage(secret, idB, trancheB));
      }),
    );
  });

  it.each([
    [Buffer.alloc(31), 'sub-1', 0],
    [secret, '', 0],
    [secret, 'sub-1', -1],
    [secret, 'sub-1', 1.5],
    [secret, 'sub-1', 2 ** 32],
  ])('rejects secret of %i bytes, id %p, tranche %p', (key, id, tranche) => {
    expect(() => derivePreimage(key, id, tranche)).toThrow(PreimageInputError);
  });
});

describe('paymentHashOf', () => {
  it('is sha256 of the preimage', () => {
    expect(paymentHashOf(Buffer.alloc(32)).toString('hex')).toBe(
      '66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925',
    );
    const preimage = derivePreimage(secret, 'sub-1', 0);
    expect(paymentHashOf(preimage)).toEqual(createHash('sha256').update(preimage).digest());
  });
});
