/**
 * A synthetic pseudo-gradient: per-tensor Gaussian noise with a heavy tail (a few large entries per chunk), the
 * shape real pseudo-gradients have. Deterministic from the seed.
 */
export function syntheticPseudoGradient(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let state = seed >>> 0;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 1) / 4294967297;
  };
  for (let i = 0; i < length; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(uniform()));
    const angle = 2 * Math.PI * uniform();
    const tail = uniform() < 0.01 ? 8 : 1;
    out[i] = 1e-3 * tail * radius * Math.cos(angle);
    if (i + 1 < length) out[i + 1] = 1e-3 * radius * Math.sin(angle);
  }
  return out;
}

/** Transformer-like tensor shapes adding up to about `parameters` entries. */
export function transformerShapes(parameters: number): number[][] {
  const width = 1024;
  const perLayer = 12 * width * width + 4 * width;
  const layers = Math.max(1, Math.ceil((parameters - 50_257 * width) / perLayer));
  const shapes: number[][] = [[50_257, width]];
  for (let layer = 0; layer < layers; layer++)
    shapes.push(
      [width, 3 * width],
      [3 * width],
      [width, width],
      [width],
      [width, 4 * width],
      [4 * width, width],
      [width],
      [width],
    );
  return shapes;
}

export function totalSize(shapes: readonly (readonly number[])[]): number {
  return shapes.reduce((total, shape) => total + shape.reduce((a, b) => a * b, 1), 0);
}

export function printTable(headers: string[], rows: (string | number)[][]): void {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, c) => Math.max(...cells.map((row) => row[c]!.length)));
  const line = (row: string[]) =>
    row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of cells.slice(1)) console.log(line(row));
}
