import { caveatsFor, verifyCaveats } from '../../../api/l402';

const now = 1_900_000_000;
const bountyA = '6f1c2f0e-8a4b-4c5d-9e6f-0a1b2c3d4e5f';
const bountyB = '7a2d3e1f-9b5c-4d6e-8f70-1b2c3d4e5f60';
const check = {
  service: 'bounty',
  capability: 'baseline',
  nowMs: now * 1000,
  resource: bountyA,
  priceSats: 5,
};
const minted = caveatsFor({
  service: 'bounty',
  tier: 0,
  capability: 'baseline',
  validUntil: now + 60,
  resource: bountyA,
  priceSats: 5,
});
const body = 'ab'.repeat(32);
const stakeCheck = { ...check, capability: 'submit', bodySha256: body };
const stake = caveatsFor({
  service: 'bounty',
  tier: 0,
  capability: 'submit',
  validUntil: now + 60,
  resource: bountyA,
  priceSats: 5,
  bodySha256: body,
});

describe('verifyCaveats', () => {
  it('names caveats as Aperture does', () => {
    expect(minted).toEqual([
      'services=bounty:0',
      'bounty_capabilities=baseline',
      `bounty_valid_until=${now + 60}`,
      `bounty_resource=${bountyA}`,
      'bounty_price_sats=5',
    ]);
    expect(stake.at(-1)).toBe(`bounty_body_sha256=${body}`);
  });

  it.each([
    ['the minted caveats', minted, now + 60],
    ['a tighter expiry', [...minted, `bounty_valid_until=${now + 10}`], now + 10],
    ['an equal repeat', [...minted, ...minted], now + 60],
    ['a narrowed services list', ['services=bounty:0,checkpoint:0', ...minted], now + 60],
    ['a narrowed capability list', ['bounty_capabilities=baseline,submit', ...minted], now + 60],
    [
      'caveats for another service',
      [...minted, 'checkpoint_capabilities=read', 'checkpoint_valid_until=1'],
      now + 60,
    ],
    ['a repeated resource', [...minted, `bounty_resource=${bountyA}`], now + 60],
    ['a lower repeated price', [...minted, 'bounty_price_sats=5'], now + 60],
  ])('accepts %s', (_label, caveats, expiresAt) => {
    expect(verifyCaveats(caveats, check)).toEqual({ expiresAt, paidSats: 5 });
  });

  it('keeps a token paid at the old price when the price goes down', () => {
    expect(verifyCaveats(minted, { ...check, priceSats: 1 })).toEqual({ expiresAt: now + 60, paidSats: 5 });
  });

  it('accepts a stake token on the body it priced', () => {
    expect(verifyCaveats(stake, stakeCheck)).toEqual({ expiresAt: now + 60, paidSats: 5 });
  });

  it.each([
    ['another bounty', minted, { ...check, resource: bountyB }, 'L402_WRONG_RESOURCE'],
    ['a route with no resource', minted, { ...check, resource: undefined }, 'L402_WRONG_RESOURCE'],
    [
      'no resource caveat (a token minted before binding)',
      minted.filter((caveat) => !caveat.startsWith('bounty_resource')),
      check,
      'L402_WRONG_RESOURCE',
    ],
    ['a raised price', minted, { ...check, priceSats: 6 }, 'L402_WRONG_PRICE'],
    [
      'no price caveat',
      minted.filter((caveat) => !caveat.startsWith('bounty_price')),
      check,
      'L402_WRONG_PRICE',
    ],
    ['another body', stake, { ...stakeCheck, bodySha256: 'cd'.repeat(32) }, 'L402_WRONG_BODY'],
    ['a body check without a body caveat', minted, { ...check, bodySha256: body }, 'L402_WRONG_BODY'],
  ])('refuses %s with 403', (_label, caveats, request, code) => {
    expect(() => verifyCaveats(caveats, request)).toThrow(expect.objectContaining({ code, status: 403 }));
  });

  it.each([
    ['a later expiry', [...minted, `bounty_valid_until=${now + 61}`], 'L402_CAVEAT_LOOSENED'],
    ['a widened capability list', [...minted, 'bounty_capabilities=baseline,submit'], 'L402_CAVEAT_LOOSENED'],
    ['a widened services list', [...minted, 'services=bounty:0,checkpoint:0'], 'L402_CAVEAT_LOOSENED'],
    ['a tier change', [...minted, 'services=bounty:1'], 'L402_CAVEAT_LOOSENED'],
    ['another service only', ['services=checkpoint:0', ...minted.slice(1)], 'L402_WRONG_SERVICE'],
    ['a later caveat for another service', [...minted, 'services=checkpoint:0'], 'L402_CAVEAT_LOOSENED'],
    [
      'another capability',
      ['services=bounty:0', 'bounty_capabilities=submit', minted[2]!],
      'L402_WRONG_CAPABILITY',
    ],
    ['an expiry now', [...minted, `bounty_valid_until=${now}`], 'L402_EXPIRED'],
    [
      'an expired first caveat',
      ['services=bounty:0', 'bounty_capabilities=baseline', `bounty_valid_until=${now - 1}`],
      'L402_EXPIRED',
    ],
    ['no services caveat', minted.slice(1), 'L402_WRONG_SERVICE'],
    ['no capabilities caveat', [minted[0]!, minted[2]!], 'L402_WRONG_CAPABILITY'],
    ['no expiry', minted.slice(0, 2), 'L402_MALFORMED'],
    ['a non-numeric expiry', [...minted, 'bounty_valid_until=soon'], 'L402_MALFORMED'],
    ['a malformed services entry', ['services=bounty', ...minted], 'L402_MALFORMED'],
    ['an unknown condition', [...minted, 'ip=127.0.0.1'], 'L402_UNKNOWN_CAVEAT'],
    ['a condition without a value', [...minted, 'services'], 'L402_MALFORMED'],
    ['a bare word', [...minted, 'anything'], 'L402_UNKNOWN_CAVEAT'],
    ['a widened price', [...minted, 'bounty_price_sats=250000'], 'L402_CAVEAT_LOOSENED'],
    ['a second resource', [...minted, `bounty_resource=${bountyB}`], 'L402_CAVEAT_LOOSENED'],
    ['a malformed resource', [...minted, 'bounty_resource=A,B'], 'L402_MALFORMED'],
    ['a malformed price', [...minted, 'bounty_price_sats=-1'], 'L402_MALFORMED'],
  ])('rejects %s', (_label, caveats, code) => {
    expect(() => verifyCaveats(caveats, check)).toThrow(expect.objectContaining({ code, status: 401 }));
  });
});
