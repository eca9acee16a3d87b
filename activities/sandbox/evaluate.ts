import type { BountyBundle } from './bounty-manifest';
import { SandboxError } from '../../domain/bounty/errors';
import { toEvalOutcome } from '../../domain/bounty/eval-outcome';
import type { EvalOutcome } from '../../domain/bounty/eval-outcome';
import type { CanaryRun } from '../../domain/bounty/judge';
import { runEval } from './run-eval';
import type { SandboxOptions } from './run-eval';

function splitFiles(bundle: BountyBundle, splitName: string): Record<string, string> {
  const files = bundle.splits[splitName];
  if (!files)
    throw new SandboxError(
      'BOUNTY_MANIFEST_INVALID',
      `bounty ${bundle.manifest.id} has no split "${splitName}"`,
    );
  return files;
}

function pick(files: Record<string, string>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, files[name] ?? '']));
}

/**
 * Runs the bounty's eval on one split `runs` times in a row (repeat runs for the stability check), each
 * in a fresh sandbox with only that split mounted. Throws only SANDBOX_UNAVAILABLE; eval failures are outcomes.
 */
export async function evaluateSplit(
  bundle: BountyBundle,
  candidateFiles: Record<string, string>,
  splitName: string,
  runs: number,
  options: SandboxOptions = {},
): Promise<EvalOutcome[]> {
  const { eval: evalSpec, metric } = bundle.manifest;
  const split = { name: splitName, files: splitFiles(bundle, splitName) };
  // The harness always comes from the bounty's own bundle, whatever the candidate's files claim.
  const harnessFiles = pick(bundle.baselineFiles, evalSpec.harness.files);
  const candidate = {
    files: pick(candidateFiles, evalSpec.candidate.files),
    command: evalSpec.candidate.command,
    pipes: evalSpec.pipes,
  };
  const outcomes: EvalOutcome[] = [];
  for (let run = 0; run < runs; run += 1) {
    const result = await runEval(
      { files: harnessFiles, command: evalSpec.harness.command, split, limits: evalSpec.limits, candidate },
      options,
    );
    outcomes.push(toEvalOutcome(result, metric.name));
  }
  return outcomes;
}

/** Runs every canary probe of the bounty once against the candidate. */
export async function runCanaries(
  bundle: BountyBundle,
  candidateFiles: Record<string, string>,
  options: SandboxOptions = {},
): Promise<CanaryRun[]> {
  const canaryRuns: CanaryRun[] = [];
  for (const probe of bundle.manifest.canaries) {
    const [outcome] = await evaluateSplit(bundle, candidateFiles, probe.split, 1, options);
    if (outcome) canaryRuns.push({ probe, outcome });
  }
  return canaryRuns;
}
