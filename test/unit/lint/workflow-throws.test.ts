import path from 'node:path';
import { ESLint } from 'eslint';

/** The lint rule that keeps workflow code from throwing anything but a non-retryable ApplicationFailure. */
jest.setTimeout(120_000);
const eslint = new ESLint({ cwd: path.resolve(__dirname, '../../..') });
const RULE = 'no-restricted-syntax';

async function flagged(code: string, file = 'workflows/probe.ts'): Promise<number> {
  const [result] = await eslint.lintText(code, { filePath: path.resolve(__dirname, '../../..', file) });
  return result!.messages.filter((message) => message.ruleId === RULE).length;
}

const header =
  "import { ApplicationFailure } from '@temporalio/workflow';\nclass DomainError extends Error {}\n";

describe('workflow code throws only non-retryable ApplicationFailures', () => {
  it.each([
    ['a plain Error', "throw new Error('BOUNTY_NOT_OPEN');"],
    ['a domain error class', "throw new DomainError('HOLD_WINDOW_TOO_LONG');"],
    ['a string', "throw 'BOUNTY_NOT_OPEN';"],
    ['a template string', 'const code = 1;\nthrow `code ${code}`;'],
    ['a plain object', "throw { code: 'X' };"],
    ['a helper that builds an error', "const fail = (code: string) => new Error(code);\nthrow fail('X');"],
    ['a retryable ApplicationFailure', "throw ApplicationFailure.retryable('again', 'X');"],
    ['new ApplicationFailure', "throw new ApplicationFailure('X');"],
  ])('refuses %s', async (_case, code) => {
    expect(await flagged(header + code)).toBe(1);
  });

  it.each([
    [
      'ApplicationFailure.create',
      "throw ApplicationFailure.create({ type: 'X', message: 'x', nonRetryable: true });",
    ],
    ['ApplicationFailure.nonRetryable', "throw ApplicationFailure.nonRetryable('x', 'X');"],
    ['a rethrow of what was caught', 'try {\n  JSON.parse("");\n} catch (err) {\n  throw err;\n}'],
  ])('allows %s', async (_case, code) => {
    expect(await flagged(header + code)).toBe(0);
  });

  it('applies to workflows/ only (activities turn failures into ApplicationFailures themselves)', async () => {
    expect(await flagged(header + "throw new Error('X');", 'activities/probe.ts')).toBe(0);
  });

  it('holds for every workflow file today', async () => {
    const results = await eslint.lintFiles(['workflows/**/*.ts']);
    const throws = results.flatMap((result) =>
      result.messages.filter((m) => m.ruleId === RULE).map((m) => `${result.filePath}:${m.line}`),
    );
    expect(throws).toEqual([]);
  });
});
