import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { SandboxError, applyDiff, median, normalisedDiffHash } from '../domain/bounty';
import type { CanaryRun, DiffRejection, EvalOutcome, Tolerances } from '../domain/bounty';
import { evaluateSplit, limitsModeFor, loadBountyBundle, runCanaries } from './sandbox';
import type { BountyBundle } from './sandbox';
import type { BlobStore } from '../db/blobs';
import { readFiles, storeFiles } from './blobs';

export interface BountyEvalDeps {
  /** Where bounty bundles live, one directory per bundle name (e.g. `bounties/`). */
  bountiesDir: string;
  /** Where the API stored each submission's diff: read by hash, checked on every read. */
  blobs: BlobStore;
}

/** What the coordinator publishes and keeps from a bundle when a bounty is created. */
export interface LoadedBounty {
  title: string;
  description: string;
  metricName: string;
  direction: 'higher' | 'lower';
  allowedFiles: string[];
  maxDiffBytes: number;
  /** The bundle's baseline files, as one blob ({@link storeFiles}). */
  baselineSha256: string;
  /** sha256 over the held-out split's files (name, NUL, contents, NUL; sorted by name), published at creation. */
  heldOutHash: string;
  repeatRuns: number;
  tolerances: Tolerances;
}

export interface CandidateInput {
  bundle: string;
  /** The bounty's current baseline as one blob (it advances with every accepted improvement). */
  baselineSha256: string;
  /** sha256 of the diff (UTF-8) in the blob store. */
  diffSha256: string;
}

export type DiffCheck =
  { ok: true; diffHash: string } | { ok: false; rejection: DiffRejection; message: string };

const DIFF_REJECTIONS: readonly string[] = [
  'DIFF_MALFORMED',
  'DIFF_TOO_LARGE',
  'DIFF_TOUCHES_FORBIDDEN_FILE',
  'DIFF_DOES_NOT_APPLY',
];

/** The split hash a bounty publishes: binds the coordinator to its held-out data without revealing it. */
export function splitHash(files: Record<string, string>): string {
  const hash = createHash('sha256');
  for (const name of Object.keys(files).sort()) hash.update(`${name}\0${files[name] ?? ''}\0`);
  return hash.digest('hex');
}

/**
 * Sandboxed bounty evals for the validation queue; eval failures are outcomes, a missing sandbox fails for good
 * (SandboxError codes are not retryable: see the failure boundary).
 */
export function bountyEvalActivities({ bountiesDir, blobs }: BountyEvalDeps) {
  const bundles = new Map<string, Promise<BountyBundle>>();
  const bundleOf = (name: string): Promise<BountyBundle> => {
    let bundle = bundles.get(name);
    if (!bundle) {
      bundle = loadBountyBundle(join(bountiesDir, name)).catch((err: unknown) => {
        bundles.delete(name);
        throw new SandboxError('BOUNTY_BUNDLE_INVALID', `bundle ${name}: ${(err as Error).message}`);
      });
      bundles.set(name, bundle);
    }
    return bundle;
  };
  const candidate = async (input: CandidateInput) => {
    const [bundle, baselineFiles, diffBytes] = await Promise.all([
      bundleOf(input.bundle),
      readFiles(blobs, input.baselineSha256),
      blobs.get(input.diffSha256),
    ]);
    const diff = diffBytes.toString('utf8');
    return { bundle, diff, files: applyDiff(baselineFiles, diff, bundle.manifest) };
  };
  const heartbeat = () => {
    const context = Context.current();
    return { heartbeat: (progress: unknown) => context.heartbeat(progress) };
  };

  return {
    /**
     * Refuses (SANDBOX_PER_EVAL_LIMITS_UNAVAILABLE, for good) a bundle whose limits are per eval on a host that
     * can only limit processes: the bounty then ends before its funding invoice exists.
     */
    async loadBounty(input: { bundle: string }): Promise<LoadedBounty> {
      const { manifest, baselineFiles, splits } = await bundleOf(input.bundle);
      await limitsModeFor(manifest.eval.limits);
      return {
        title: manifest.title,
        description: manifest.description,
        metricName: manifest.metric.name,
        direction: manifest.metric.direction,
        allowedFiles: manifest.allowedFiles,
        maxDiffBytes: manifest.maxDiffBytes,
        baselineSha256: await storeFiles(blobs, baselineFiles),
        heldOutHash: splitHash(splits['held-out'] ?? {}),
        repeatRuns: manifest.eval.repeatRuns,
        tolerances: manifest.tolerances,
      };
    },

    /** The pre-check: size, syntax, target files, applies to the current baseline; plus the copy-detection hash. */
    async checkDiff(input: CandidateInput): Promise<DiffCheck> {
      try {
        const { diff } = await candidate(input);
        return { ok: true, diffHash: normalisedDiffHash(diff) };
      } catch (err) {
        if (err instanceof SandboxError && DIFF_REJECTIONS.includes(err.code)) {
          return { ok: false, rejection: err.code as DiffRejection, message: err.message };
        }
        throw err;
      }
    },

    /** `runs` repeat runs of the candidate on one split (the held-out split is mounted only for its own run). */
    async evalSplit(
      input: CandidateInput & { split: 'public' | 'held-out'; runs: number },
    ): Promise<EvalOutcome[]> {
      const { bundle, files } = await candidate(input);
      return evaluateSplit(bundle, files, input.split, input.runs, heartbeat());
    },

    async evalCanaries(input: CandidateInput): Promise<CanaryRun[]> {
      const { bundle, files } = await candidate(input);
      return runCanaries(bundle, files, heartbeat());
    },

    /** The files of an accepted candidate stored as the bounty's next baseline; gives its blob's hash. */
    async advanceBaseline(input: CandidateInput): Promise<string> {
      return storeFiles(blobs, (await candidate(input)).files);
    },

    /** The baseline's own score on the held-out split: where the bounty's best score starts. */
    async scoreBaseline(input: {
      bundle: string;
      runs: number;
    }): Promise<{ runs: EvalOutcome[]; score: number | null }> {
      const bundle = await bundleOf(input.bundle);
      const runs = await evaluateSplit(bundle, bundle.baselineFiles, 'held-out', input.runs, heartbeat());
      const scores = runs.flatMap((run) => (run.kind === 'score' ? [run.score] : []));
      return { runs, score: scores.length === runs.length ? median(scores) : null };
    },
  };
}

export type BountyEvalActivities = ReturnType<typeof bountyEvalActivities>;
