/**
 * The hunk locator the diff applier used before it was made linear: every offset from the stated line, each with
 * a full comparison (quadratic). Kept as the reference the property test and the bench compare against.
 */
export function offsetSearchLocate(
  lines: string[],
  stated: number,
  oldLines: string[],
  earliest: number,
): number | undefined {
  const latest = lines.length - oldLines.length;
  const matchesAt = (at: number) => oldLines.every((line, i) => lines[at + i] === line);
  for (let offset = 0; offset <= lines.length; offset += 1) {
    for (const at of offset === 0 ? [stated] : [stated - offset, stated + offset]) {
      if (at >= earliest && at <= latest && matchesAt(at)) return at;
    }
  }
  return undefined;
}
