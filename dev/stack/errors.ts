import { L402TrainError } from '../../domain/l402-train-error';

export class StackError extends L402TrainError {
  constructor(code: StackErrorCode, message: string, hint?: string) {
    super(code, message, hint);
  }
}

export type StackErrorCode =
  | 'GO_TOOLCHAIN_MISSING'
  | 'TOOL_BUILD_FAILED'
  | 'PROCESS_START_FAILED'
  | 'STACK_NOT_RUNNING'
  | 'STACK_TIMEOUT'
  | 'BTCD_RPC_FAILED'
  | 'PORTS_IN_EPHEMERAL_RANGE';
