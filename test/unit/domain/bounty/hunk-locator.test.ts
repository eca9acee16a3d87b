import fc from 'fast-check';
import { applyDiff } from '../../../../domain/bounty/apply-diff';
import { hunkLocator } from '../../../../domain/bounty/hunk-locator';
import { offsetSearchLocate } from '../../../support/offset-search-locator';

// Few distinct lines, so that patterns repeat, overlap and nearly match: where a locator can go wrong.
const line = fc.constantFrom('a\n', 'b\n', 'c\n', 'd', '\n');
const file = fc.array(line, { maxLength: 60 });

describe('hunkLocator gives the offset search answer in linear time', () => {
  it('agrees with the offset search on random files, patterns, stated lines and earliest lines', () => {
    fc.assert(
      fc.property(
        file,
        fc.array(line, { maxLength: 6 }),
        fc.integer({ min: -80, max: 140 }),
        fc.integer({ min: 0, max: 70 }),
        (lines, pattern, stated, earliest) => {
          expect(hunkLocator(lines)(stated, pattern, earliest)).toBe(
            offsetSearchLocate(lines, stated, pattern, earliest),
          );
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('agrees on patterns cut from the file itself (every one of them occurs)', () => {
    fc.assert(
      fc.property(
        file.filter((lines) => lines.length > 0),
        fc.nat(),
        fc.nat({ max: 8 }),
        fc.integer({ min: -20, max: 80 }),
        fc.nat({ max: 60 }),
        (lines, from, length, stated, earliest) => {
          const start = from % lines.length;
          const pattern = lines.slice(start, start + length);
          const locate = hunkLocator(lines);
          expect(locate(stated, pattern, earliest)).toBe(
            offsetSearchLocate(lines, stated, pattern, earliest),
          );
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('answers many hunks on one file the same way (one index, many lookups)', () => {
    fc.assert(
      fc.property(
        file,
        fc.array(fc.tuple(fc.array(line, { maxLength: 4 }), fc.integer({ min: -10, max: 70 }), fc.nat(60))),
        (lines, hunks) => {
          const locate = hunkLocator(lines);
          for (const [pattern, stated, earliest] of hunks) {
            expect(locate(stated, pattern, earliest)).toBe(
              offsetSearchLocate(lines, stated, pattern, earliest),
            );
          }
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('applies a diff with many hunks against a large repetitive file as the offset search would', () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => (i % 7 === 3 ? `line ${i}\n` : 'same\n'));
    const hunks = Array.from({ length: 40 }, (_, h) => {
      const at = 490 * h + 3;
      // Stated 30 lines off: found by searching, as the offset search would.
      return `@@ -${at + 31},2 +${at + 31},2 @@\n-line ${at}\n+LINE ${at}\n same\n`;
    }).join('');
    const patched = applyDiff({ 'big.txt': lines.join('') }, `--- a/big.txt\n+++ b/big.txt\n${hunks}`, {
      allowedFiles: ['big.txt'],
      maxDiffBytes: 65_536,
    })['big.txt'] as string;
    expect(patched.split('\n').filter((l) => l.startsWith('LINE '))).toHaveLength(40);
    expect(patched.length).toBe(lines.join('').length);
  });
});
