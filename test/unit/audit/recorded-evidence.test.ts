import type { SubmissionEvidence } from '../../../domain/bounty';
import { recordedEvidence } from '../../../server/audit/bounty-audit';

const evidence = (bestScore: number): SubmissionEvidence => ({
  direction: 'higher',
  bestScore,
  tolerances: { claimAbsolute: 0, claimRelative: 0.001, stability: 0, minImprovement: 0.001 },
  claimedPublicScore: 1,
  publicRuns: [],
  heldOutRuns: [],
  canaryRuns: [],
});

describe('the evidence a bounty audit re-runs against', () => {
  it("is the workflow's own record of it", () => {
    const calls = [{ type: 'judge', input: evidence(0.1), result: {} }];
    expect(recordedEvidence({ evidence: evidence(0.5) }, calls)).toEqual(evidence(0.5));
  });

  it('in a history from before the judge ran in the workflow, is the last judge activity input', () => {
    const calls = [
      { type: 'evalSplit', input: {}, result: [] },
      { type: 'judge', input: evidence(0.1), result: {} },
      { type: 'judge', input: evidence(0.2), result: {} },
    ];
    expect(recordedEvidence({}, calls)).toEqual(evidence(0.2));
  });
});
