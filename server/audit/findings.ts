/** Every kind of mismatch an audit reports, by a stable code. */
export type AuditCode =
  /** A history does not replay against the current workflow code (nondeterminism or a broken history). */
  | 'AUDIT_REPLAY_FAILED'
  /** A workflow a history names has no closed history to audit. */
  | 'AUDIT_HISTORY_MISSING'
  /** Two histories disagree (a round's recorded outcome vs its submission's result, a child's input vs result). */
  | 'AUDIT_HISTORY_MISMATCH'
  /** The stored payload is not the one recorded in history. */
  | 'AUDIT_PAYLOAD_ALTERED'
  /** A bounty submission's diff is missing from the blob store or no longer hashes to the one in history. */
  | 'AUDIT_DIFF_ALTERED'
  /** A bounty's baseline is missing from the blob store or no longer hashes to the one in history. */
  | 'AUDIT_BASELINE_ALTERED'
  /** A checkpoint is missing or its weights no longer hash to its id. */
  | 'AUDIT_CHECKPOINT_ALTERED'
  /** A database row (submission, bounty) says other than history. */
  | 'AUDIT_RECORD_MISMATCH'
  /** The pre-check run again on the recorded payload decides other than history says it did. */
  | 'AUDIT_PRECHECK_MISMATCH'
  /** Scoring the recorded payload again does not give the recorded score bit for bit. */
  | 'AUDIT_RESCORE_MISMATCH'
  /** The bounty's evals run again in the sandbox do not give the recorded outcomes. */
  | 'AUDIT_EVAL_MISMATCH'
  /** The pure rules, fed the re-derived evidence, decide another verdict or reveal than history. */
  | 'AUDIT_VERDICT_MISMATCH'
  /** A stake's verdict or its end disagrees with the rule. */
  | 'AUDIT_STAKE_MISMATCH'
  /** Paid sats are not the sum of the first `revealed` tranche sizes, or a tranche moved another amount. */
  | 'AUDIT_TRANCHE_SATS'
  /** A round paid more than its pool. */
  | 'AUDIT_POOL_EXCEEDED'
  /** A ledger row disagrees with history (state or amount). */
  | 'AUDIT_LEDGER_MISMATCH'
  /** LND disagrees with history about a known payment or invoice. */
  | 'AUDIT_LND_MISMATCH'
  /** A payment or invoice history says exists is not on LND. */
  | 'AUDIT_LND_MISSING'
  /** A payment the coordinator made in the window that no ledger row claims. */
  | 'AUDIT_LND_UNKNOWN_PAYMENT'
  /** An invoice paid to the coordinator in the window that no ledger row claims. */
  | 'AUDIT_LND_UNKNOWN_INVOICE'
  /** A bounty's books do not balance: funded ≠ paid + refunded + fees + what the pool still holds. */
  | 'AUDIT_BOOKS_UNBALANCED'
  /** The sponsor's refund disagrees between history, ledger and LND. */
  | 'AUDIT_REFUND_MISMATCH';

export interface AuditFinding {
  code: AuditCode;
  /** The round (training) it belongs to, if any. */
  round: number | null;
  /** The submission it belongs to, if any. */
  submissionId: string | null;
  problem: string;
}

/** Where a finding is noted: the audit fills in the round and submission it is looking at. */
export type Note = (code: AuditCode, problem: string) => void;

export function findingsList() {
  const findings: AuditFinding[] = [];
  return {
    findings,
    noteFor:
      (round: number | null, submissionId: string | null): Note =>
      (code, problem) =>
        findings.push({ code, round, submissionId, problem }),
  };
}
