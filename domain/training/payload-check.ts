import {
  type CompressedUpdate,
  decodeUpdate,
  KernelError,
  type TensorShapes,
  wireMismatch,
  wireParameters,
  type WireSettings,
} from '../../kernels';

/** What a run takes: its model's tensor shapes and the wire settings recorded in its history. */
export interface RunWire {
  readonly shapes: TensorShapes;
  readonly compression: WireSettings;
}

export type CheckedPayload =
  | { readonly ok: true; readonly update: CompressedUpdate }
  | { readonly ok: false; readonly code: string; readonly message: string };

const sameShapes = (a: TensorShapes, b: TensorShapes) =>
  a.length === b.length &&
  a.every((shape, t) => shape.length === b[t]!.length && shape.every((d, i) => d === b[t]![i]));

/**
 * One payload decoded and held to the run: the compression it declares is the run's, it decodes, its tensors are
 * the model's. What passes can be scored and aggregated with every other update that passes, so the pre-check,
 * the scorer and the aggregator all ask this one function. Every refusal is a result with a stable code.
 */
export function checkPayload(payload: Uint8Array, run: RunWire): CheckedPayload {
  const declared = wireParameters(payload);
  const mismatch = declared && wireMismatch(run.compression, declared);
  if (mismatch)
    return { ok: false, code: 'GRADIENT_COMPRESSION_MISMATCH', message: `the update declares ${mismatch}` };
  let update: CompressedUpdate;
  try {
    update = decodeUpdate(payload);
  } catch (err) {
    if (err instanceof KernelError) return { ok: false, code: err.code, message: err.message };
    throw err;
  }
  if (!sameShapes(update.shapes, run.shapes))
    return {
      ok: false,
      code: 'GRADIENT_SHAPE_MISMATCH',
      message: "the update's tensor shapes are not the model's",
    };
  return { ok: true, update };
}
