import { z } from 'zod';
import { DEFAULT_MODEL } from '../../model/config';
import { loadBrownCorpus } from '../../model/corpus';
import type { ExecutionProvider, Scorer } from '../../model/score';
import { createOnnxScorer } from '../../model/score';

/** Held-out examples per scoring batch: large enough for a stable loss, small enough for well under a second. */
export const SCORING_BATCH_SIZE = 512;

const ScoringEnv = z.object({
  /** `cuda` needs a CUDA build of ONNX Runtime and a GPU; an audit must re-score with the same provider. */
  L402_EXECUTION_PROVIDER: z.enum(['cpu', 'cuda']).default('cpu'),
});

/** The execution provider this host scores with: CPU unless the environment asks for CUDA. */
export function scoringProvider(env: NodeJS.ProcessEnv = process.env): ExecutionProvider {
  return ScoringEnv.parse(env).L402_EXECUTION_PROVIDER;
}

/** One ONNX session per outer learning rate, created on first use; the held-out split is read once. */
export function lazyTrainingScorer(
  executionProvider: ExecutionProvider = 'cpu',
): (outerLearningRate: number) => Promise<Scorer> {
  let heldOut: Uint8Array | null = null;
  const scorers = new Map<number, Promise<Scorer>>();
  return (outerLearningRate) => {
    let scorer = scorers.get(outerLearningRate);
    if (!scorer) {
      heldOut ??= loadBrownCorpus().heldOut;
      scorer = createOnnxScorer({
        config: DEFAULT_MODEL,
        heldOut,
        batchSize: SCORING_BATCH_SIZE,
        outerLearningRate,
        executionProvider,
      });
      scorers.set(outerLearningRate, scorer);
    }
    return scorer;
  };
}
