import { createHash } from 'node:crypto';

import { parseUnifiedDiff } from './unified-diff';

/**
 * A hash of what a diff changes, blind to what does not matter for copy detection: headers and index
 * lines, line numbers, context lines, the order of files, whitespace inside and around lines.
 * Two submissions with the same normalised hash make the same edit. Pure; throws like `parseUnifiedDiff`.
 */
export function normalisedDiffHash(diff: string): string {
  const changes = parseUnifiedDiff(diff)
    .map((patch) => {
      const edited = patch.hunks.flatMap((hunk) =>
        hunk.lines
          .filter((line) => line.kind !== 'context')
          .map((line) => `${line.kind === 'add' ? '+' : '-'}${line.text.replace(/\s+/g, ' ').trim()}`)
          .filter((line) => line.length > 1),
      );
      return `${patch.path}\n${edited.join('\n')}`;
    })
    .sort();
  return createHash('sha256').update(changes.join('\n\0\n')).digest('hex');
}

export interface EarlierSubmission {
  submissionId: string;
  agentId: string;
  diffHash: string;
}

/** The earliest submission by another agent with the same normalised diff hash, if any. Pure. */
export function findCopiedSubmission(
  diffHash: string,
  agentId: string,
  earlier: readonly EarlierSubmission[],
): EarlierSubmission | undefined {
  return earlier.find((s) => s.diffHash === diffHash && s.agentId !== agentId);
}
