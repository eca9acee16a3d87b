import { findCopiedSubmission, normalisedDiffHash } from '../../../../domain/bounty/diff-identity';

const original = `diff --git a/sort.js b/sort.js
index 1111111..2222222 100644
--- a/sort.js
+++ b/sort.js
@@ -10,3 +10,3 @@ function sort(items, compare) {
 const a = 1;
-const b = 2;
+const b = 3;
 const c = 4;
@@ -40,1 +40,2 @@
 end();
+extra();
`;

describe('normalisedDiffHash', () => {
  it('is the same for the same edit with other headers, line numbers, context and whitespace', () => {
    const disguised = `--- a/sort.js
+++ b/sort.js
@@ -12,2 +12,2 @@
-const   b = 2;
+  const b = 3;
 unrelated context
@@ -50,1 +50,2 @@
+extra();\t
 other context
`;
    expect(normalisedDiffHash(disguised)).toBe(normalisedDiffHash(original));
  });

  it.each([
    ['another added value', original.replace('+const b = 3;', '+const b = 5;')],
    ['another file', original.replaceAll('sort.js', 'other.js')],
    ['one hunk fewer', original.slice(0, original.indexOf('@@ -40,'))],
  ])('differs for %s', (_name, diff) => {
    expect(normalisedDiffHash(diff)).not.toBe(normalisedDiffHash(original));
  });
});

describe('findCopiedSubmission', () => {
  const earlier = [
    { submissionId: 's1', agentId: 'alice', diffHash: 'h1' },
    { submissionId: 's2', agentId: 'bob', diffHash: 'h2' },
    { submissionId: 's3', agentId: 'carol', diffHash: 'h1' },
  ];

  it("finds the earliest other agent's submission with the same hash", () => {
    expect(findCopiedSubmission('h1', 'dave', earlier)?.submissionId).toBe('s1');
    expect(findCopiedSubmission('h1', 'alice', earlier)?.submissionId).toBe('s3');
  });

  it("ignores the agent's own resubmissions and unknown hashes", () => {
    expect(findCopiedSubmission('h2', 'bob', earlier)).toBeUndefined();
    expect(findCopiedSubmission('h9', 'dave', earlier)).toBeUndefined();
  });
});
