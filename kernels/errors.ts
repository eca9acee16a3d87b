import { L402TrainError } from '../domain/l402-train-error';

/** Stable codes for everything the SparseLoCo kernels refuse. */
export type KernelErrorCode =
  | 'SPARSELOCO_BAD_OPTIONS'
  | 'SPARSELOCO_NON_FINITE_INPUT'
  | 'SPARSELOCO_SHAPE_MISMATCH'
  | 'SPARSELOCO_BAD_MAGIC'
  | 'SPARSELOCO_UNKNOWN_VERSION'
  | 'SPARSELOCO_UNKNOWN_INDEX_CODING'
  | 'SPARSELOCO_BAD_LENGTH'
  | 'SPARSELOCO_BAD_CHECKSUM'
  | 'SPARSELOCO_BAD_HEADER'
  | 'SPARSELOCO_INDEX_OUT_OF_RANGE'
  | 'SPARSELOCO_DUPLICATE_INDEX'
  | 'SPARSELOCO_UNSORTED_INDICES'
  | 'SPARSELOCO_BAD_PADDING'
  | 'SPARSELOCO_BAD_SCALE'
  | 'SPARSELOCO_EMPTY_AGGREGATE';

/** A payload or request the kernels cannot accept; status 400 because the caller sent it. */
export class KernelError extends L402TrainError {
  constructor(
    override readonly code: KernelErrorCode,
    message: string,
    hint?: string,
  ) {
    super(code, message, hint);
  }
}
