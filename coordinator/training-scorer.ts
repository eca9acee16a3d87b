import { DEFAULT_MODEL } from '../model/config';
import { loadBrownCorpus } from '../model/corpus';
import type { ExecutionProvider, Scorer } from '../model/score';
import { createOnnxScorer } from '../model/score';

/** Held-out examples per scoring batch: large enough for a stable loss, small enough for well under a second. */
export const SCORING_BATCH_SIZE = 512;

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
