/** @jest-environment ./test/unit/model/onnx-environment.js */
import { DEFAULT_SIMULATION, runSimulation } from '../../../model/simulation';

describe('runSimulation', () => {
  it('accepts honest peers, rejects every adversary and lowers the held-out loss', async () => {
    const report = await runSimulation({
      ...DEFAULT_SIMULATION,
      peers: 2,
      rounds: 2,
      poisoner: 'sign-flip',
      freeRider: 'random',
      copier: 'perturbed',
      training: { ...DEFAULT_SIMULATION.training, steps: 8 },
      evaluationBatchSize: 512,
    });
    const verdicts = report.rounds.flatMap((round) => round.submissions);
    expect(verdicts.filter((s) => s.role === 'honest').every((s) => s.verdict.accepted)).toBe(true);
    expect(verdicts.filter((s) => s.role !== 'honest').map((s) => [s.role, s.verdict.accepted])).toEqual([
      ['poisoner', false],
      ['free-rider', false],
      ['copier', false],
      ['poisoner', false],
      ['free-rider', false],
      ['copier', false],
    ]);
    expect(report.rounds[1]!.heldOutLoss).toBeLessThan(report.initialHeldOutLoss);
    expect(report.rounds[0]!.compressionRatio).toBeGreaterThan(100);
  }, 60_000);
});
