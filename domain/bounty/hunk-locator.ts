import { randomInt } from 'node:crypto';

/** Where a hunk's old lines are, given where the hunk says they start and the first line it may use. */
export type HunkLocator = (stated: number, oldLines: string[], earliest: number) => number | undefined;

/** A prime below 2^26, so a hash times the base stays an exact integer in a double. */
const MODULUS = 67_108_859;

/**
 * Locates hunks in one file in time linear in the file plus the hunk, where trying every offset with a full
 * comparison is quadratic (an unpaid request reaches this). Same answer as the offset search: the position
 * nearest the stated one (the lower first on a tie, at most `lines.length` away, not before `earliest`) where
 * the old lines match exactly. Lines become ids; a hunk's candidates are the occurrences of its rarest line,
 * walked outward from the stated position; each is checked by a rolling hash (its base drawn per file, so a
 * diff cannot be built to collide) and then line by line.
 */
export function hunkLocator(lines: string[]): HunkLocator {
  const ids = new Map<string, number>();
  const lineIds = new Int32Array(lines.length);
  const counts: number[] = [];
  lines.forEach((line, position) => {
    let id = ids.get(line);
    if (id === undefined) {
      id = counts.length;
      ids.set(line, id);
      counts.push(0);
    }
    lineIds[position] = id;
    counts[id] = (counts[id] as number) + 1;
  });
  // Positions grouped by line id, ascending within each group: id's are at [first[id], first[id + 1]).
  const first = new Int32Array(counts.length + 1);
  counts.forEach((count, id) => (first[id + 1] = (first[id] as number) + count));
  const positions = new Int32Array(lines.length);
  const filled = first.slice(0, counts.length);
  lineIds.forEach((id, position) => (positions[(filled[id] as number)++] = position));
  const base = randomInt(256, MODULUS - 1);
  const prefix = new Float64Array(lines.length + 1);
  const powers = new Float64Array(lines.length + 1);
  powers[0] = 1;
  for (let i = 0; i < lines.length; i += 1) {
    prefix[i + 1] = ((prefix[i] as number) * base + (lineIds[i] as number) + 1) % MODULUS;
    powers[i + 1] = ((powers[i] as number) * base) % MODULUS;
  }
  const windowHash = (at: number, length: number): number => {
    const hash =
      ((prefix[at + length] as number) - (((prefix[at] as number) * (powers[length] as number)) % MODULUS)) %
      MODULUS;
    return hash < 0 ? hash + MODULUS : hash;
  };

  return (stated, oldLines, earliest) => {
    const lowest = Math.max(earliest, stated - lines.length);
    const highest = Math.min(lines.length - oldLines.length, stated + lines.length);
    if (lowest > highest) return undefined;
    if (oldLines.length === 0) return Math.min(Math.max(stated, lowest), highest);

    const patternIds: number[] = [];
    for (const line of oldLines) {
      const id = ids.get(line);
      if (id === undefined) return undefined;
      patternIds.push(id);
    }
    let pivot = 0;
    patternIds.forEach((id, i) => {
      if ((counts[id] as number) < (counts[patternIds[pivot] as number] as number)) pivot = i;
    });
    let patternHash = 0;
    for (const id of patternIds) patternHash = (patternHash * base + id + 1) % MODULUS;
    const matches = (at: number): boolean =>
      windowHash(at, oldLines.length) === patternHash && oldLines.every((line, i) => lines[at + i] === line);

    // Candidate starts in ascending order; walk outward from the stated position, nearer first, lower on a tie.
    const pivotId = patternIds[pivot] as number;
    const from = first[pivotId] as number;
    const to = first[pivotId + 1] as number;
    const startAt = (index: number) => (positions[index] as number) - pivot;
    let above = lowerBound(positions, from, to, Math.max(stated, lowest) + pivot);
    let below = lowerBound(positions, from, to, Math.min(stated, highest + 1) + pivot) - 1;
    for (;;) {
      const down = below >= from && startAt(below) >= lowest ? startAt(below) : undefined;
      const up = above < to && startAt(above) <= highest ? startAt(above) : undefined;
      if (down === undefined && up === undefined) return undefined;
      if (up === undefined || (down !== undefined && stated - down <= up - stated)) {
        if (matches(down as number)) return down;
        below -= 1;
      } else {
        if (matches(up)) return up;
        above += 1;
      }
    }
  };
}

/** The first index in [low, high) whose value is at least `value`, in an ascending range. */
function lowerBound(sorted: Int32Array, from: number, to: number, value: number): number {
  let low = from;
  let high = to;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as number) < value) low = middle + 1;
    else high = middle;
  }
  return low;
}
