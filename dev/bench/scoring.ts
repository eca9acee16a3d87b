import { sampleBatch } from '../../model/batch';
import { DEFAULT_MODEL, initialWeights, parameterCount } from '../../model/config';
import { loadBrownCorpus } from '../../model/corpus';
import { forwardLoss, MlpWorkspace } from '../../model/mlp';
import { createOnnxScorer } from '../../model/score';
import { printTable } from './synthetic';

/** Held-out scoring throughput (next-byte predictions per second): ONNX Runtime CPU vs the TypeScript forward pass. */
async function main(): Promise<void> {
  const corpus = loadBrownCorpus();
  const weights = initialWeights(DEFAULT_MODEL, 1);
  const rows: string[][] = [];
  for (const batchSize of [512, 4096]) {
    const scorer = await createOnnxScorer({
      config: DEFAULT_MODEL,
      heldOut: corpus.heldOut,
      batchSize,
      outerLearningRate: 1,
    });
    const batch = sampleBatch(corpus.heldOut, batchSize, DEFAULT_MODEL.context, 3);
    const workspace = new MlpWorkspace(DEFAULT_MODEL, batchSize);
    await scorer.loss(weights, batch);
    forwardLoss(weights, batch, workspace);
    const repeats = Math.max(3, Math.round(20_000 / batchSize));
    let started = performance.now();
    let onnxLoss = 0;
    for (let r = 0; r < repeats; r++) onnxLoss = await scorer.loss(weights, batch);
    const onnxSeconds = (performance.now() - started) / 1000 / repeats;
    started = performance.now();
    let typescriptLoss = 0;
    for (let r = 0; r < repeats; r++) typescriptLoss = forwardLoss(weights, batch, workspace);
    const typescriptSeconds = (performance.now() - started) / 1000 / repeats;
    const relative = Math.abs(onnxLoss - typescriptLoss) / typescriptLoss;
    rows.push(
      [
        `ONNX Runtime (CPU, 1 thread)`,
        String(batchSize),
        (onnxSeconds * 1000).toFixed(2),
        (batchSize / onnxSeconds).toFixed(0),
        relative.toExponential(1),
      ],
      [
        `TypeScript forward pass`,
        String(batchSize),
        (typescriptSeconds * 1000).toFixed(2),
        (batchSize / typescriptSeconds).toFixed(0),
        '-',
      ],
    );
    await scorer.close();
  }
  console.log(
    `byte-level MLP LM, ${parameterCount(DEFAULT_MODEL)} parameters, context ${DEFAULT_MODEL.context}\n`,
  );
  printTable(['scorer', 'batch', 'ms per batch', 'tokens/s', 'loss rel. diff'], rows);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
