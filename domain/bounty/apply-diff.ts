import { SandboxError } from './errors';
import { hunkLocator } from './hunk-locator';
import type { FilePatch } from './unified-diff';
import { parseUnifiedDiff } from './unified-diff';

export interface DiffRules {
  /** Paths (relative to the bundle root) a diff may edit; every other file is read-only. */
  allowedFiles: string[];
  /** Largest accepted diff, in UTF-8 bytes. */
  maxDiffBytes: number;
}

/** Lines with their terminators, so that joining them gives back the exact text. */
function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function applyFilePatch(original: string, patch: FilePatch): string {
  const lines = splitLines(original);
  const locate = hunkLocator(lines);
  const output: string[] = [];
  let cursor = 0;
  patch.hunks.forEach((hunk, index) => {
    const oldLines = hunk.lines.filter((l) => l.kind !== 'add').map((l) => l.text);
    const newLines = hunk.lines.filter((l) => l.kind !== 'remove').map((l) => l.text);
    // The hunk's old lines are looked for at the stated line first, then at growing offsets (no fuzz), like `git apply`.
    const at = locate(hunk.oldCount === 0 ? hunk.oldStart : hunk.oldStart - 1, oldLines, cursor);
    if (at === undefined) {
      throw new SandboxError(
        'DIFF_DOES_NOT_APPLY',
        `hunk ${index + 1} of "${patch.path}" does not match the baseline`,
        { path: patch.path, hunk: index + 1 },
      );
    }
    for (let line = cursor; line < at; line += 1) output.push(lines[line] as string);
    for (const line of newLines) output.push(line);
    cursor = at + oldLines.length;
  });
  for (let line = cursor; line < lines.length; line += 1) output.push(lines[line] as string);
  return output.join('');
}

/**
 * Applies a unified diff to a copy of the baseline bundle and returns the candidate bundle. Checks, in order:
 * size (DIFF_TOO_LARGE), syntax (DIFF_MALFORMED), touched paths and kinds of change
 * (DIFF_TOUCHES_FORBIDDEN_FILE), then that every hunk matches (DIFF_DOES_NOT_APPLY). Pure.
 */
export function applyDiff(
  baselineFiles: Record<string, string>,
  diff: string,
  rules: DiffRules,
): Record<string, string> {
  const size = Buffer.byteLength(diff, 'utf8');
  if (size > rules.maxDiffBytes) {
    throw new SandboxError(
      'DIFF_TOO_LARGE',
      `the diff is ${size} bytes; the limit is ${rules.maxDiffBytes}`,
      {
        size,
        limit: rules.maxDiffBytes,
      },
    );
  }
  const patches = parseUnifiedDiff(diff);
  for (const { path } of patches) {
    if (!rules.allowedFiles.includes(path) || !Object.hasOwn(baselineFiles, path)) {
      throw new SandboxError('DIFF_TOUCHES_FORBIDDEN_FILE', `"${path}" is not an editable target file`, {
        path,
      });
    }
  }
  const candidate = { ...baselineFiles };
  for (const patch of patches) candidate[patch.path] = applyFilePatch(baselineFiles[patch.path] ?? '', patch);
  return candidate;
}
