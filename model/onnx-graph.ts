import { type ModelConfig, weightLayout } from './config';
import { encodeModel, OnnxDataType, type OnnxNode } from './onnx-proto';

export const ONNX_OPSET = 13;
export const LOSS_OUTPUT = 'loss';
export const CONTEXT_INPUT = 'context';
export const TARGET_INPUT = 'target';

/**
 * Forward pass plus mean cross-entropy as an ONNX model. The weights are graph inputs (named as in
 * `weightLayout`), so one InferenceSession scores any weights.
 */
export function buildLossModel(config: ModelConfig): Uint8Array {
  const inputWidth = config.context * config.embedding;
  const nodes: OnnxNode[] = [
    {
      opType: 'Gather',
      inputs: ['embedding', CONTEXT_INPUT],
      outputs: ['embedded'],
      attributes: [int('axis', 0)],
    },
    { opType: 'Reshape', inputs: ['embedded', 'flat_shape'], outputs: ['flat'] },
    { opType: 'MatMul', inputs: ['flat', 'w1'], outputs: ['pre_bias'] },
    { opType: 'Add', inputs: ['pre_bias', 'b1'], outputs: ['pre_activation'] },
    { opType: 'Tanh', inputs: ['pre_activation'], outputs: ['hidden'] },
    { opType: 'MatMul', inputs: ['hidden', 'w2'], outputs: ['logits_no_bias'] },
    { opType: 'Add', inputs: ['logits_no_bias', 'b2'], outputs: ['logits'] },
    {
      opType: 'LogSoftmax',
      inputs: ['logits'],
      outputs: ['log_probabilities'],
      attributes: [int('axis', 1)],
    },
    { opType: 'Unsqueeze', inputs: [TARGET_INPUT, 'target_axes'], outputs: ['target_column'] },
    {
      opType: 'GatherElements',
      inputs: ['log_probabilities', 'target_column'],
      outputs: ['target_log_probability'],
      attributes: [int('axis', 1)],
    },
    {
      opType: 'ReduceMean',
      inputs: ['target_log_probability'],
      outputs: ['mean_log_probability'],
      attributes: [{ name: 'keepdims', type: 'int', value: 0 }],
    },
    { opType: 'Neg', inputs: ['mean_log_probability'], outputs: [LOSS_OUTPUT] },
  ];
  const weightInputs = weightLayout(config).map((slot) => ({
    name: slot.name,
    elementType: OnnxDataType.Float,
    shape: [...slot.shape],
  }));
  return encodeModel(
    {
      name: 'byte_mlp_loss',
      nodes,
      initializers: [
        { name: 'flat_shape', dims: [2], int64s: [-1, inputWidth] },
        { name: 'target_axes', dims: [1], int64s: [1] },
      ],
      inputs: [
        { name: CONTEXT_INPUT, elementType: OnnxDataType.Int32, shape: ['batch', config.context] },
        { name: TARGET_INPUT, elementType: OnnxDataType.Int32, shape: ['batch'] },
        ...weightInputs,
      ],
      outputs: [{ name: LOSS_OUTPUT, elementType: OnnxDataType.Float, shape: [] }],
    },
    ONNX_OPSET,
  );
}

function int(name: string, value: number) {
  return { name, type: 'int' as const, value };
}
