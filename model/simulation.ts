import {
  aggregate,
  applyOuterStep,
  compress,
  type CompressedUpdate,
  type CompressionOptions,
  decodeUpdate,
  decompress,
  encodeUpdate,
  IndexCoding,
  KernelError,
  updateNorm,
} from '../kernels';
import { SIGN_BIT } from '../kernels/sparseloco';
import { sampleBatch } from './batch';
import { type ModelConfig, DEFAULT_MODEL, initialWeights, parameterCount, weightShapes } from './config';
import { loadBrownCorpus, trainingShard } from './corpus';
import {
  decideRound,
  DEFAULT_DECISION_RULE,
  malformedVerdict,
  type Verdict,
} from '../domain/training/decide';
import { ReferencePeer } from './peer';
import { deriveSeed, mulberry32 } from './prng';
import { createOnnxScorer, type ExecutionProvider } from './score';
import { type ScoredPayload, scorePayload } from './submission';
import { DEFAULT_INNER_TRAINING, type InnerTrainingOptions } from './trainer';

export type PoisonerMode = 'sign-flip' | 'scale';
export type FreeRiderMode = 'zero' | 'random';
export type CopierMode = 'exact' | 'perturbed';

export interface SimulationOptions {
  readonly peers: number;
  readonly rounds: number;
  readonly seed: number;
  readonly poisoner?: PoisonerMode;
  readonly freeRider?: FreeRiderMode;
  readonly copier?: CopierMode;
  readonly model: ModelConfig;
  readonly compression: CompressionOptions;
  readonly indexCoding: IndexCoding;
  readonly training: Omit<InnerTrainingOptions, 'seed' | 'onStep'>;
  readonly outerLearningRate: number;
  readonly errorFeedbackDecay: number;
  readonly scoringBatchSize: number;
  readonly evaluationBatchSize: number;
  readonly executionProvider: ExecutionProvider;
}

export const DEFAULT_SIMULATION: SimulationOptions = {
  peers: 4,
  rounds: 10,
  seed: 1,
  model: DEFAULT_MODEL,
  compression: { chunkSize: 4096, k: 64 },
  indexCoding: IndexCoding.RiceGaps,
  training: DEFAULT_INNER_TRAINING,
  outerLearningRate: 2,
  errorFeedbackDecay: 0.95,
  scoringBatchSize: 512,
  evaluationBatchSize: 4096,
  executionProvider: 'cpu',
};

export interface SubmissionReport {
  readonly submissionId: string;
  readonly role: 'honest' | 'poisoner' | 'free-rider' | 'copier';
  readonly wireBytes: number;
  readonly lossDelta: number;
  readonly verdict: Verdict;
}

export interface RoundReport {
  readonly round: number;
  readonly submissions: readonly SubmissionReport[];
  readonly accepted: number;
  readonly wireBytes: number;
  /** dense fp32 bytes of one update over its wire bytes, averaged over the round's submissions */
  readonly compressionRatio: number;
  readonly heldOutLoss: number;
  readonly seconds: number;
}

export interface SimulationReport {
  readonly initialHeldOutLoss: number;
  readonly rounds: readonly RoundReport[];
  readonly parameters: number;
}

export interface SimulationHooks {
  readonly onTrainingStep?: () => void;
  readonly onRound?: (report: RoundReport) => void;
}

const EVALUATION_SEED = 0x5eed;
const POISON_SCALE = 20;

interface Submission {
  readonly submissionId: string;
  readonly role: SubmissionReport['role'];
  readonly payload: Uint8Array;
}

/** Peers train and compress, the coordinator scores, decides and aggregates; no Lightning, no Temporal. */
export async function runSimulation(
  options: SimulationOptions,
  hooks: SimulationHooks = {},
): Promise<SimulationReport> {
  const corpus = loadBrownCorpus();
  const { model } = options;
  const shapes = weightShapes(model);
  const denseBytes = parameterCount(model) * 4;
  const makePeer = (shard: number) =>
    new ReferencePeer({
      config: model,
      shard: trainingShard(corpus.train, shard, options.peers),
      compression: options.compression,
      indexCoding: options.indexCoding,
      errorFeedbackDecay: options.errorFeedbackDecay,
      training: {
        ...options.training,
        onStep: hooks.onTrainingStep ? () => hooks.onTrainingStep?.() : undefined,
      },
    });
  const peers = Array.from({ length: options.peers }, (_, peer) => makePeer(peer));
  // the poisoner trains like anyone else (on a shard it shares with peer 0, with its own seeds), then corrupts its update
  const poisonerBase = options.poisoner ? makePeer(0) : undefined;
  const scorer = await createOnnxScorer({
    config: model,
    heldOut: corpus.heldOut,
    batchSize: options.scoringBatchSize,
    outerLearningRate: options.outerLearningRate,
    executionProvider: options.executionProvider,
  });
  const evaluationBatch = sampleBatch(
    corpus.heldOut,
    options.evaluationBatchSize,
    model.context,
    EVALUATION_SEED,
  );
  const evaluate = (weights: Float32Array) => scorer.loss(weights, evaluationBatch);
  try {
    let weights = initialWeights(model, options.seed);
    const initialHeldOutLoss = await evaluate(weights);
    const rounds: RoundReport[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      const started = performance.now();
      const submissions: Submission[] = peers.map((peer, index) => ({
        submissionId: `peer-${index}`,
        role: 'honest',
        payload: peer.trainRound(weights, deriveSeed(options.seed, round, index)).payload,
      }));
      const poisonerUpdate = poisonerBase?.trainRound(weights, deriveSeed(options.seed, round, 0xbad)).update;
      submissions.push(...adversarySubmissions(options, submissions, poisonerUpdate, shapes, round));

      const heldOutSeed = deriveSeed(options.seed, round, 0xbeef);
      const scored = new Map<string, ScoredPayload>();
      const malformed: Verdict[] = [];
      for (const { submissionId, payload } of submissions) {
        try {
          scored.set(submissionId, await scorePayload(scorer, weights, submissionId, payload, heldOutSeed));
        } catch (error) {
          if (!(error instanceof KernelError)) throw error;
          malformed.push(malformedVerdict(submissionId));
        }
      }
      const verdicts = [
        ...decideRound(
          [...scored.values()].map((s) => s.evidence),
          DEFAULT_DECISION_RULE,
        ),
        ...malformed,
      ];
      const accepted = verdicts.filter((v) => v.accepted).map((v) => scored.get(v.submissionId)!.update);
      if (accepted.length > 0)
        weights = applyOuterStep(weights, aggregate(accepted), options.outerLearningRate);
      const heldOutLoss = await evaluate(weights);

      const wireBytes = submissions.reduce((total, s) => total + s.payload.length, 0);
      const report: RoundReport = {
        round,
        submissions: submissions.map((s) => ({
          submissionId: s.submissionId,
          role: s.role,
          wireBytes: s.payload.length,
          lossDelta: scored.get(s.submissionId)?.score.delta ?? NaN,
          verdict: verdicts.find((v) => v.submissionId === s.submissionId)!,
        })),
        accepted: accepted.length,
        wireBytes,
        compressionRatio: (denseBytes * submissions.length) / wireBytes,
        heldOutLoss,
        seconds: (performance.now() - started) / 1000,
      };
      rounds.push(report);
      hooks.onRound?.(report);
    }
    return { initialHeldOutLoss, rounds, parameters: parameterCount(model) };
  } finally {
    await scorer.close();
  }
}

/** Adversaries build their payloads from what the honest peers sent this round. */
function adversarySubmissions(
  options: SimulationOptions,
  honest: readonly Submission[],
  poisonerUpdate: CompressedUpdate | undefined,
  shapes: number[][],
  round: number,
): Submission[] {
  const extra: Submission[] = [];
  const template = decodeUpdate(honest[0]!.payload);
  if (options.poisoner && poisonerUpdate) {
    const poisoned =
      options.poisoner === 'sign-flip'
        ? { ...poisonerUpdate, codes: poisonerUpdate.codes.map((code) => code ^ SIGN_BIT) }
        : compress(scaled(decompress(poisonerUpdate), POISON_SCALE), shapes, options.compression);
    extra.push({
      submissionId: 'poisoner',
      role: 'poisoner',
      payload: encodeUpdate(poisoned, options.indexCoding),
    });
  }
  if (options.freeRider) {
    const dense = new Float32Array(parameterCount(options.model));
    if (options.freeRider === 'random') {
      const random = mulberry32(deriveSeed(options.seed, round, 0xf4ee));
      for (let i = 0; i < dense.length; i++) dense[i] = random() * 2 - 1;
    }
    // a random free-rider mimics an honest update's norm so only the score can tell it apart
    const raw = compress(dense, shapes, options.compression);
    const norm = updateNorm(raw);
    const update =
      norm > 0 ? compress(scaled(dense, updateNorm(template) / norm), shapes, options.compression) : raw;
    extra.push({
      submissionId: 'free-rider',
      role: 'free-rider',
      payload: encodeUpdate(update, options.indexCoding),
    });
  }
  if (options.copier) {
    const victim = honest[honest.length > 1 ? 1 : 0]!;
    // a perturbed copy nudges every scale by one bfloat16 step: a new payload hash, the same kept indices
    const payload =
      options.copier === 'exact'
        ? Uint8Array.from(victim.payload)
        : encodeUpdate(perturbedScales(decodeUpdate(victim.payload)), options.indexCoding);
    extra.push({ submissionId: 'copier', role: 'copier', payload });
  }
  return extra;
}

function scaled(vector: Float32Array, factor: number): Float32Array {
  return vector.map((value) => value * factor);
}

function perturbedScales(update: CompressedUpdate): CompressedUpdate {
  return { ...update, highScaleBits: update.highScaleBits.map((bits) => bits + 1) };
}
