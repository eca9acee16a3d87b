import { SandboxError } from '../../../../domain/bounty/errors';
import { parseMetric } from '../../../../domain/bounty/metric';

describe('parseMetric', () => {
  it.each([
    ['score: 0.5\n', 0.5],
    ['warming up\nscore: 1.25\ndone\n', 1.25],
    ['  score :  -3e-2  \r\n', -0.03],
    ['score: 7', 7],
    ['score: .5\n', 0.5],
    ['accuracy: 0.91\n', 0.91],
    ['loss: 2\nscore is coming\nscore: 3\n', 3],
  ])('reads %j as %d', (stdout, expected) => {
    expect(parseMetric(stdout, 'accuracy')).toBe(expected);
  });

  it.each([
    ['no output', ''],
    ['no score line', 'all good\n'],
    ['two score lines', 'score: 1\nscore: 2\n'],
    ['a score line and a metric line', 'score: 1\naccuracy: 1\n'],
    ['NaN', 'score: NaN\n'],
    ['Infinity', 'score: Infinity\n'],
    ['a value that overflows to Infinity', 'score: 1e400\n'],
    ['hexadecimal', 'score: 0x10\n'],
    ['an empty value', 'score:\n'],
    ['trailing text', 'score: 1.5 points\n'],
    ['a number with junk', 'score: 1.5.2\n'],
  ])('rejects %s as EVAL_OUTPUT_INVALID', (_name, stdout) => {
    expect(() => parseMetric(stdout, 'accuracy')).toThrow(SandboxError);
    expect(() => parseMetric(stdout, 'accuracy')).toThrow(
      expect.objectContaining({ code: 'EVAL_OUTPUT_INVALID' }),
    );
  });
});
