import { L402RejectedError, parseAuthorization } from '../../../api/l402';

const macaroon = 'AgEEbHNhdAJCAAB+/a_-==';
const preimage = '0f'.repeat(32);

describe('parseAuthorization', () => {
  it.each([
    [`L402 ${macaroon}:${preimage}`, { scheme: 'L402', macaroon, preimage: Buffer.from(preimage, 'hex') }],
    [`LSAT ${macaroon}:${preimage}`, { scheme: 'LSAT', macaroon, preimage: Buffer.from(preimage, 'hex') }],
    [
      `lsat ${macaroon}:${preimage.toUpperCase()}`,
      { scheme: 'LSAT', macaroon, preimage: Buffer.from(preimage, 'hex') },
    ],
    [`L402 ${macaroon}`, { scheme: 'L402', macaroon }],
    [`  L402   ${macaroon}  `, { scheme: 'L402', macaroon }],
  ])('parses %p', (header, expected) => {
    expect(parseAuthorization(header)).toEqual(expected);
  });

  it.each([undefined, '', 'Bearer abc', 'Basic dXNlcjpwYXNz', 'L402x abc'])(
    'finds no L402 credentials in %p',
    (header) => {
      expect(parseAuthorization(header)).toBeNull();
    },
  );

  it.each([
    'L402',
    'L402 ',
    `L402 ${macaroon}:`,
    `L402 ${macaroon}:${preimage}00`,
    `L402 ${macaroon}:${'zz'.repeat(32)}`,
    `L402 ${macaroon}:${preimage}:${preimage}`,
    `L402 ${macaroon} ${preimage}`,
    `L402 ma"caroon:${preimage}`,
    `L402 ${'A'.repeat(9000)}`,
  ])('rejects %p as malformed', (header) => {
    expect(() => parseAuthorization(header)).toThrow(L402RejectedError);
    expect(() => parseAuthorization(header)).toThrow(
      expect.objectContaining({ code: 'L402_MALFORMED', status: 401 }),
    );
  });
});
