import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { applyDiff } from '../../../../domain/bounty/apply-diff';
import { SandboxError } from '../../../../domain/bounty/errors';

const baseline = {
  'sort.js': 'one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n',
  'eval.js': 'trusted harness\n',
  'notes.txt': 'no trailing newline',
};
const rules = { allowedFiles: ['sort.js', 'notes.txt', 'missing.js'], maxDiffBytes: 4096 };

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    if (err instanceof SandboxError) return err.code;
    throw err;
  }
  throw new Error('expected a SandboxError');
}

const editTwo = `--- a/sort.js
+++ b/sort.js
@@ -1,3 +1,3 @@
 one
-two
+TWO
 three
`;

describe('applyDiff accepts text edits of target files', () => {
  it('applies a hunk and leaves every other file untouched, without mutating the baseline', () => {
    const before = structuredClone(baseline);
    const candidate = applyDiff(baseline, editTwo, rules);
    expect(candidate['sort.js']).toBe(baseline['sort.js'].replace('two', 'TWO'));
    expect(candidate['eval.js']).toBe(baseline['eval.js']);
    expect(baseline).toEqual(before);
  });

  it('applies several hunks, with a git header, an index line and a preamble', () => {
    const diff = `Commit message that is ignored

diff --git a/sort.js b/sort.js
index 3b18e51..a8c9e2f 100644
--- a/sort.js
+++ b/sort.js
@@ -1,2 +1,3 @@
+zero
 one
 two
@@ -9,2 +10,2 @@
 nine
-ten
+TEN
`;
    expect(applyDiff(baseline, diff, rules)['sort.js']).toBe(
      'zero\none\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nTEN\n',
    );
  });

  it('finds a hunk whose stated line is off (as git apply does), but never before the previous hunk', () => {
    const shifted = editTwo.replace('@@ -1,3 +1,3 @@', '@@ -4,3 +4,3 @@');
    expect(applyDiff(baseline, shifted, rules)['sort.js']).toContain('one\nTWO\nthree\n');
  });

  it('honours "No newline at end of file" on both sides', () => {
    const diff = `--- a/notes.txt
+++ b/notes.txt
@@ -1 +1,2 @@
-no trailing newline
\\ No newline at end of file
+a trailing newline
+and still none
\\ No newline at end of file
`;
    expect(applyDiff(baseline, diff, rules)['notes.txt']).toBe('a trailing newline\nand still none');
  });

  it.each(['improvement', 'no-improvement', 'overfit-public'])(
    'applies the example bounty sample %s',
    (name) => {
      const dir = join(__dirname, '../../../../bounties/example-sort');
      const files = { 'sort.js': readFileSync(join(dir, 'baseline/sort.js'), 'utf8') };
      const diff = readFileSync(join(dir, `samples/${name}.diff`), 'utf8');
      const patched = applyDiff(files, diff, { allowedFiles: ['sort.js'], maxDiffBytes: 32768 })['sort.js'];
      expect(patched).not.toBe(files['sort.js']);
      expect(patched).toContain('module.exports = { sort };');
    },
  );
});

const header = (path: string) => `--- a/${path}\n+++ b/${path}\n@@ -1 +1 @@\n-x\n+y\n`;

describe('applyDiff rejects with stable codes', () => {
  it.each([
    ['a diff over the size limit', 'x'.repeat(4097), 'DIFF_TOO_LARGE'],
    ['a multi-byte diff over the limit in bytes', `${editTwo}+${'é'.repeat(2100)}\n`, 'DIFF_TOO_LARGE'],
    ['an empty diff', '', 'DIFF_MALFORMED'],
    ['prose without any file header', 'please merge my change\n', 'DIFF_MALFORMED'],
    ['a file header without hunks', '--- a/sort.js\n+++ b/sort.js\n', 'DIFF_MALFORMED'],
    ['a missing +++ line', '--- a/sort.js\n@@ -1 +1 @@\n-one\n+ONE\n', 'DIFF_MALFORMED'],
    [
      'paths without the a/ b/ prefixes',
      '--- sort.js\n+++ sort.js\n@@ -1 +1 @@\n-one\n+ONE\n',
      'DIFF_MALFORMED',
    ],
    ['a bad hunk header', '--- a/sort.js\n+++ b/sort.js\n@@ -x +1 @@\n-one\n+ONE\n', 'DIFF_MALFORMED'],
    ['a hunk shorter than its header says', editTwo.replace('-1,3 +1,3', '-1,4 +1,4'), 'DIFF_MALFORMED'],
    ['a hunk longer than its header says', editTwo.replace('-1,3 +1,3', '-1,2 +1,2'), 'DIFF_MALFORMED'],
    ['a line with an unknown prefix', editTwo.replace(' three', '*three'), 'DIFF_MALFORMED'],
    ['the same file twice', editTwo + editTwo, 'DIFF_MALFORMED'],
    [
      'an unknown git header line',
      `diff --git a/sort.js b/sort.js\nweird header\n${editTwo}`,
      'DIFF_MALFORMED',
    ],
    ['a file outside the allowed set', header('eval.js'), 'DIFF_TOUCHES_FORBIDDEN_FILE'],
    ['an allowed path that is not in the baseline', header('missing.js'), 'DIFF_TOUCHES_FORBIDDEN_FILE'],
    ['path traversal', header('../etc/passwd'), 'DIFF_TOUCHES_FORBIDDEN_FILE'],
    ['traversal inside the path', header('sub/../sort.js'), 'DIFF_TOUCHES_FORBIDDEN_FILE'],
    [
      'an absolute path',
      '--- /etc/passwd\n+++ /etc/passwd\n@@ -1 +1 @@\n-x\n+y\n',
      'DIFF_TOUCHES_FORBIDDEN_FILE',
    ],
    ['a new file', '--- /dev/null\n+++ b/new.js\n@@ -0,0 +1 @@\n+x\n', 'DIFF_TOUCHES_FORBIDDEN_FILE'],
    ['a deleted file', '--- a/sort.js\n+++ /dev/null\n@@ -1 +0,0 @@\n-one\n', 'DIFF_TOUCHES_FORBIDDEN_FILE'],
    ['a rename', '--- a/sort.js\n+++ b/notes.txt\n@@ -1 +1 @@\n-one\n+ONE\n', 'DIFF_TOUCHES_FORBIDDEN_FILE'],
    [
      'a mode change',
      'diff --git a/sort.js b/sort.js\nold mode 100644\nnew mode 100755\n',
      'DIFF_TOUCHES_FORBIDDEN_FILE',
    ],
    [
      'a new file by git header',
      'diff --git a/sort.js b/sort.js\nnew file mode 100644\n--- /dev/null\n+++ b/sort.js\n',
      'DIFF_TOUCHES_FORBIDDEN_FILE',
    ],
    [
      'a symbolic link',
      `diff --git a/sort.js b/sort.js\nindex 1111111..2222222 120000\n${editTwo}`,
      'DIFF_TOUCHES_FORBIDDEN_FILE',
    ],
    [
      'a binary patch',
      'diff --git a/sort.js b/sort.js\nGIT binary patch\nliteral 3\n',
      'DIFF_TOUCHES_FORBIDDEN_FILE',
    ],
    ['binary content', `${editTwo}+\0\n`.replace('-1,3 +1,3', '-1,3 +1,4'), 'DIFF_TOUCHES_FORBIDDEN_FILE'],
    ['context that does not match', editTwo.replace(' three', ' THREE'), 'DIFF_DOES_NOT_APPLY'],
    ['a removed line that is not there', editTwo.replace('-two', '-deux'), 'DIFF_DOES_NOT_APPLY'],
  ])('%s', (_name, diff, code) => {
    expect(codeOf(() => applyDiff(baseline, diff, rules))).toBe(code);
  });

  it('refuses hunks that would overlap or go backwards', () => {
    const diff = `--- a/sort.js
+++ b/sort.js
@@ -5,1 +5,1 @@
-five
+FIVE
@@ -1,1 +1,1 @@
-one
+ONE
`;
    expect(codeOf(() => applyDiff(baseline, diff, rules))).toBe('DIFF_DOES_NOT_APPLY');
  });
});
