import {
  type CompressedUpdate,
  compressWithErrorFeedback,
  type CompressionOptions,
  encodeUpdate,
  IndexCoding,
} from '../kernels';
import { type ModelConfig, parameterCount, weightShapes } from './config';
import { type InnerTrainingOptions, trainInner } from './trainer';

export interface PeerRoundResult {
  readonly update: CompressedUpdate;
  readonly payload: Uint8Array;
  readonly meanInnerLoss: number;
}

export interface ReferencePeerOptions {
  readonly config: ModelConfig;
  readonly shard: Uint8Array;
  readonly compression: CompressionOptions;
  readonly indexCoding: IndexCoding;
  /** error-feedback decay (SparseLoCo uses a value near 0.95) */
  readonly errorFeedbackDecay: number;
  readonly training: Omit<InnerTrainingOptions, 'seed'>;
}

/** An honest peer: trains from the global weights, adds its pseudo-gradient to its error-feedback residual, compresses. */
export class ReferencePeer {
  private readonly residual: Float32Array;

  constructor(private readonly options: ReferencePeerOptions) {
    this.residual = new Float32Array(parameterCount(options.config));
  }

  trainRound(globalWeights: Float32Array, seed: number): PeerRoundResult {
    const { config, shard, compression, indexCoding, errorFeedbackDecay, training } = this.options;
    const result = trainInner(config, globalWeights, shard, { ...training, seed });
    const update = compressWithErrorFeedback(
      this.residual,
      result.pseudoGradient,
      errorFeedbackDecay,
      weightShapes(config),
      compression,
    );
    const meanInnerLoss = result.losses.reduce((a, b) => a + b, 0) / Math.max(1, result.losses.length);
    return { update, payload: encodeUpdate(update, indexCoding), meanInnerLoss };
  }
}
