/** @jest-environment ./test/unit/model/onnx-environment.js */
import { ZodError } from 'zod';
import { scoringProvider } from '../../../server/coordinator/training-scorer';
import { loadTrainingConfig } from '../../../server/coordinator/training-settings';

describe('loadTrainingConfig', () => {
  it('asks no stake and serves the checkpoint free unless told otherwise', () => {
    const config = loadTrainingConfig({});
    expect(config.settings.stakeSats).toBe(0);
    expect(config.checkpointAccess).toEqual({ priceSats: 0, tokenSeconds: 3_600 });
  });

  it('takes a stake and a checkpoint price from the environment', () => {
    const config = loadTrainingConfig({
      L402_TRAINING_STAKE_SATS: '250',
      L402_CHECKPOINT_PRICE_SATS: '5',
      L402_CHECKPOINT_TOKEN_SECONDS: '600',
    });
    expect(config.settings.stakeSats).toBe(250);
    expect(config.checkpointAccess).toEqual({ priceSats: 5, tokenSeconds: 600 });
  });

  it.each([
    ['a negative stake', { L402_TRAINING_STAKE_SATS: '-1' }],
    ['a fractional price', { L402_CHECKPOINT_PRICE_SATS: '1.5' }],
    ['a token shorter than a minute', { L402_CHECKPOINT_TOKEN_SECONDS: '10' }],
    ['a stake that is not a number', { L402_TRAINING_STAKE_SATS: 'lots' }],
  ])('refuses %s', (_case, env) => {
    expect(() => loadTrainingConfig(env)).toThrow(ZodError);
  });
});

describe('scoringProvider', () => {
  it('scores on the CPU by default and on CUDA only when asked', () => {
    expect(scoringProvider({})).toBe('cpu');
    expect(scoringProvider({ L402_EXECUTION_PROVIDER: 'cuda' })).toBe('cuda');
  });

  it('refuses a provider it does not know instead of silently using the CPU', () => {
    expect(() => scoringProvider({ L402_EXECUTION_PROVIDER: 'CUDA' })).toThrow(ZodError);
  });
});
