import { SandboxError } from './errors';

/** The published hub convention: one stdout line `score: <float>`. */
export const SCORE_LINE_NAME = 'score';

const FLOAT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Reads the metric from an eval's stdout: exactly one line `score: <float>` or `<metricName>: <float>`
 * (surrounding whitespace allowed, nothing else on the line). No such line, several, or a value that is
 * not a finite decimal number (NaN, Infinity, hex, empty) is EVAL_OUTPUT_INVALID: an eval error, never a score.
 */
export function parseMetric(stdout: string, metricName: string): number {
  const names = new Set([SCORE_LINE_NAME, metricName]);
  const values = stdout
    .split(/\r?\n/)
    .map((line) => /^\s*([^:\s]+)\s*:\s*(\S*)\s*$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null && names.has(match[1] ?? ''))
    .map((match) => match[2] ?? '');
  if (values.length !== 1) {
    throw new SandboxError(
      'EVAL_OUTPUT_INVALID',
      `expected exactly one "${SCORE_LINE_NAME}: <float>" line on stdout, found ${values.length}`,
      { lines: values.length },
    );
  }
  const raw = values[0] ?? '';
  const score = Number(raw);
  if (!FLOAT.test(raw) || !Number.isFinite(score)) {
    throw new SandboxError('EVAL_OUTPUT_INVALID', `the score "${raw.slice(0, 40)}" is not a finite number`, {
      value: raw.slice(0, 40),
    });
  }
  return score;
}
