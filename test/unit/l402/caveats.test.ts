import { caveatsFor, verifyCaveats } from '../../../api/l402';

const now = 1_900_000_000;
const check = { service: 'bounty', capability: 'baseline', nowMs: now * 1000 };
const minted = caveatsFor({ service: 'bounty', tier: 0, capability: 'baseline', validUntil: now + 60 });

describe('verifyCaveats', () => {
  it('names caveats as Aperture does', () => {
    expect(minted).toEqual([
      'services=bounty:0',
      'bounty_capabilities=baseline',
      `bounty_valid_until=${now + 60}`,
    ]);
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
  ])('accepts %s', (_label, caveats, expiresAt) => {
    expect(verifyCaveats(caveats, check)).toBe(expiresAt);
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
  ])('rejects %s', (_label, caveats, code) => {
    expect(() => verifyCaveats(caveats, check)).toThrow(expect.objectContaining({ code, status: 401 }));
  });
});
