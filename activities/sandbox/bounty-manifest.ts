import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { z } from 'zod';

import { SandboxError } from '../../domain/bounty/errors';
import { ACCOUNTINGS, DEFAULT_ACCOUNTING } from './limits-mode';
import { isSafeRelativePath } from '../../domain/bounty/paths';

const relativePath = z.string().refine(isSafeRelativePath, 'must be a safe relative path');
const name = z.string().regex(/^[a-z0-9][a-z0-9-]*$/);

const evalLimits = z.object({
  wallSeconds: z.number().positive(),
  cpuSeconds: z.number().int().positive(),
  memoryMb: z.number().int().positive(),
  maxProcesses: z.number().int().positive(),
  maxOutputBytes: z.number().int().positive(),
  scratchMb: z.number().int().positive().optional(),
  /**
   * Per eval by default: `memoryMb: 256` reads as the eval's memory, so a host that can only limit processes
   * refuses the bundle rather than letting four processes hold 180 MB each. `per-process` opts into rlimits alone.
   */
  accounting: z.enum(ACCOUNTINGS).default(DEFAULT_ACCOUNTING),
});

const argv = z.array(z.string().min(1)).min(1);
/** A sandbox of the eval: which bundle files it gets (read-only, its working directory) and what it runs. */
const evalSide = z.object({ files: z.array(relativePath).min(1), command: argv });
/** A pipe's fd inside a sandbox: 0 and 1 for the candidate only, 3 to 8 for either (2 and 9 are the host's). */
const pipeFd = z.number().int().min(0).max(8);
const evalPipe = z.object({ from: z.enum(['harness', 'candidate']), fromFd: pipeFd, toFd: pipeFd });

export const BountyManifestSchema = z
  .object({
    id: name,
    title: z.string().min(1),
    description: z.string().min(1),
    baseline: z.object({ dir: relativePath, files: z.array(relativePath).min(1) }),
    allowedFiles: z.array(relativePath).min(1),
    maxDiffBytes: z.number().int().positive(),
    eval: z.object({
      /** Trusted: scores the candidate, sees the split. Never editable by a diff. */
      harness: evalSide,
      /** Untrusted: the files a diff may edit live here; runs in its own sandbox without the split. */
      candidate: evalSide,
      /** The only link between the two sandboxes. */
      pipes: z.array(evalPipe).min(1),
      limits: evalLimits,
      repeatRuns: z.number().int().min(1),
    }),
    metric: z.object({
      name: z.string().regex(/^[A-Za-z_][\w.-]*$/),
      direction: z.enum(['higher', 'lower']),
    }),
    splits: z.record(name, z.object({ dir: relativePath, files: z.array(relativePath).min(1) })),
    canaries: z.array(
      z.object({ name, split: name, expectedScore: z.number(), tolerance: z.number().nonnegative() }),
    ),
    tolerances: z.object({
      claimAbsolute: z.number().nonnegative(),
      claimRelative: z.number().nonnegative(),
      stability: z.number().nonnegative(),
      minImprovement: z.number().nonnegative(),
    }),
  })
  .superRefine((manifest, ctx) => {
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message });
    for (const file of manifest.allowedFiles) {
      if (!manifest.baseline.files.includes(file)) issue(['allowedFiles'], `${file} is not a baseline file`);
      if (!manifest.eval.candidate.files.includes(file))
        issue(['allowedFiles'], `${file} is not a candidate file`);
      if (manifest.eval.harness.files.includes(file)) issue(['allowedFiles'], `${file} is a harness file`);
    }
    for (const side of ['harness', 'candidate'] as const) {
      for (const file of manifest.eval[side].files) {
        if (!manifest.baseline.files.includes(file))
          issue(['eval', side, 'files'], `${file} is not a baseline file`);
      }
      const fds = manifest.eval.pipes.map((p) => (p.from === side ? p.fromFd : p.toFd));
      if (new Set(fds).size !== fds.length) issue(['eval', 'pipes'], `the ${side} uses an fd twice`);
      const reserved = side === 'harness' ? [0, 1, 2] : [2];
      if (fds.some((fd) => reserved.includes(fd)))
        issue(['eval', 'pipes'], `the ${side} may not use fds ${reserved.join(', ')}`);
    }
    for (const split of ['public', 'held-out', ...manifest.canaries.map((c) => c.split)]) {
      if (!manifest.splits[split]) {
        ctx.addIssue({ code: 'custom', path: ['splits'], message: `split "${split}" is not declared` });
      }
    }
  });

export type BountyManifest = z.infer<typeof BountyManifestSchema>;

/** A bounty as the coordinator holds it: manifest, baseline bundle and every split's data. */
export interface BountyBundle {
  manifest: BountyManifest;
  baselineFiles: Record<string, string>;
  splits: Record<string, Record<string, string>>;
}

/** Parses bounty.json (BOUNTY_MANIFEST_INVALID with zod's issues when it does not fit). */
export function parseBountyManifest(json: unknown): BountyManifest {
  const parsed = BountyManifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new SandboxError('BOUNTY_MANIFEST_INVALID', z.prettifyError(parsed.error), parsed.error.issues);
  }
  return parsed.data;
}

async function readFiles(root: string, files: readonly string[]): Promise<Record<string, string>> {
  const contents = await Promise.all(files.map((file) => readFile(join(root, file), 'utf8')));
  return Object.fromEntries(files.map((file, i) => [file, contents[i] ?? '']));
}

/** Loads a bounty directory: `bounty.json`, its baseline files and its splits' files. */
export async function loadBountyBundle(dir: string): Promise<BountyBundle> {
  const manifest = parseBountyManifest(JSON.parse(await readFile(join(dir, 'bounty.json'), 'utf8')));
  const baselineFiles = await readFiles(join(dir, manifest.baseline.dir), manifest.baseline.files);
  const splitEntries = await Promise.all(
    Object.entries(manifest.splits).map(
      async ([splitName, split]) => [splitName, await readFiles(join(dir, split.dir), split.files)] as const,
    ),
  );
  return { manifest, baselineFiles, splits: Object.fromEntries(splitEntries) };
}
