import path from 'node:path';
import { ESLint } from 'eslint';

/** The lint rule that keeps domain/ pure: no I/O, no Temporal, nothing from the layers that call it. */
jest.setTimeout(120_000);
const root = path.resolve(__dirname, '../../..');
const eslint = new ESLint({ cwd: root });
const RULE = 'no-restricted-imports';

async function flagged(code: string, file = 'domain/bounty/probe.ts'): Promise<number> {
  const [result] = await eslint.lintText(`${code}\nexport const probe = 1;\n`, {
    filePath: path.resolve(root, file),
  });
  return result!.messages.filter((message) => message.ruleId === RULE).length;
}

describe('domain rules import nothing with side effects', () => {
  it.each([
    ['the file system', "import { readFile } from 'node:fs/promises';"],
    ['a child process', "import { spawn } from 'child_process';"],
    ['Temporal', "import { proxyActivities } from '@temporalio/workflow';"],
    ['the database client', "import { PrismaClient } from '@prisma/client';"],
    ['LND', "import { pay } from 'ln-service';"],
    ['a repository', "import { ledgerRepository } from '../../db/repos/ledger';"],
    ['an activity', "import { runEval } from '../../activities/sandbox/run-eval';"],
    [
      'a workflow definition (a value)',
      "import { roundStatusQuery } from '../../workflows/training-definitions';",
    ],
    ['the API', "import { ApiError } from '../../api/errors';"],
  ])('refuses %s', async (_case, code) => {
    expect(await flagged(code)).toBe(1);
  });

  it.each([
    ['hashing', "import { createHash } from 'node:crypto';"],
    ['another rule', "import { tranchesEarned } from '../money/payout';"],
    [
      'the type of a workflow input',
      "import type { RoundStatus } from '../../workflows/training-definitions';",
    ],
  ])('allows %s', async (_case, code) => {
    expect(await flagged(code)).toBe(0);
  });

  it('holds for every domain file today', async () => {
    const results = await eslint.lintFiles(['domain/**/*.ts']);
    const imports = results.flatMap((result) =>
      result.messages.filter((m) => m.ruleId === RULE).map((m) => `${result.filePath}:${m.line}`),
    );
    expect(imports).toEqual([]);
  });
});
