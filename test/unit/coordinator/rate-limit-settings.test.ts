import { DEFAULT_BOUNTY_CREATES_PER_CLIENT, DEFAULT_GATE_LIMITS } from '../../../api/rate-limit';
import { loadRateLimitConfig } from '../../../server/coordinator/rate-limit-settings';

describe('loadRateLimitConfig', () => {
  it('defaults every paid route and trusts no proxy', () => {
    const config = loadRateLimitConfig({});
    expect(config.trustProxy).toBe(false);
    expect(config.routes['bounty:baseline']).toEqual(DEFAULT_GATE_LIMITS);
    expect(config.routes['training:gradient']).toEqual(DEFAULT_GATE_LIMITS);
    expect(config.bountyCreatesPerClient).toEqual(DEFAULT_BOUNTY_CREATES_PER_CLIENT);
  });

  it('takes how many bounties one client may create', () => {
    const config = loadRateLimitConfig({ L402_BOUNTY_CREATES_PER_CLIENT: '{"burst":2,"perMinute":4}' });
    expect(config.bountyCreatesPerClient).toEqual({ burst: 2, perMinute: 4 });
  });

  it('overrides one route and keeps the others', () => {
    const config = loadRateLimitConfig({
      L402_RATE_LIMITS: JSON.stringify({
        'bounty:submit': { challengesPerClient: { burst: 3, perMinute: 6 } },
      }),
      L402_TRUSTED_PROXIES: 'loopback, 10.0.0.1',
    });
    expect(config.routes['bounty:submit']).toEqual({
      ...DEFAULT_GATE_LIMITS,
      challengesPerClient: { burst: 3, perMinute: 6 },
    });
    expect(config.routes['bounty:baseline']).toEqual(DEFAULT_GATE_LIMITS);
    expect(config.trustProxy).toEqual(['loopback', '10.0.0.1']);
  });

  it.each([
    ['not JSON', { L402_RATE_LIMITS: '{' }],
    ['an unknown route', { L402_RATE_LIMITS: '{"bounty:everything":{}}' }],
    ['an unknown field', { L402_RATE_LIMITS: '{"bounty:baseline":{"burst":1}}' }],
    ['a zero burst', { L402_RATE_LIMITS: '{"bounty:baseline":{"usesPerToken":{"burst":0,"perMinute":1}}}' }],
    [
      'a fractional rate',
      { L402_RATE_LIMITS: '{"bounty:baseline":{"usesPerToken":{"burst":1,"perMinute":0.5}}}' },
    ],
    ['a proxy that is not an IP', { L402_TRUSTED_PROXIES: 'example.com' }],
    [
      'a bounty creation limit with an unknown field',
      { L402_BOUNTY_CREATES_PER_CLIENT: '{"burst":1,"perMinute":1,"x":1}' },
    ],
  ])('refuses %s', (_label, env) => {
    expect(() => loadRateLimitConfig(env)).toThrow();
  });
});
