import path from 'node:path';
import { ESLint } from 'eslint';

/** The lint rules that keep each layer to its own imports: domain/ pure, clients off server code, db/ off the API. */
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
    ['server code', "import { loadCoordinatorConfig } from '../../server/coordinator/config';"],
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
    expect(await flaggedFiles('domain/**/*.ts')).toEqual([]);
  });
});

describe('clients import nothing from server code', () => {
  it.each([
    ['the coordinator', "import { runCoordinator } from '../../server/coordinator/run';"],
    ['an activity', "import { createActivities } from '../../activities';"],
    ['a repository', "import { ledgerRepository } from '../../db/repos/ledger';"],
    ['a workflow', "import { trainingRound } from '../../workflows';"],
  ])('refuses %s', async (_case, code) => {
    expect(await flagged(code, 'clients/peer/probe.ts')).toBe(1);
  });

  it.each([
    ['the L402 client', "import { ok } from '../l402-client';"],
    ['the model', "import { weightsFromBytes } from '../../model/weights';"],
    ['the type of an answer', "import type { EscrowStatus } from '../../workflows/definitions';"],
  ])('allows %s', async (_case, code) => {
    expect(await flagged(code, 'clients/peer/probe.ts')).toBe(0);
  });

  it('holds for every client file today', async () => {
    expect(await flaggedFiles('clients/**/*.ts')).toEqual([]);
  });
});

describe('the database layer imports nothing from the API', () => {
  it.each([
    ['a value', "import { ApiError } from '../../api/errors';"],
    ['a type', "import type { VerifiedL402 } from '../../api/l402/types';"],
  ])('refuses %s', async (_case, code) => {
    expect(await flagged(code, 'db/repos/probe.ts')).toBe(1);
  });

  it('holds for every db file today', async () => {
    expect(await flaggedFiles('db/**/*.ts')).toEqual([]);
  });
});

/** Where a lint run of the files finds restricted imports. */
async function flaggedFiles(pattern: string): Promise<string[]> {
  const results = await eslint.lintFiles([pattern]);
  return results.flatMap((result) =>
    result.messages.filter((m) => m.ruleId === RULE).map((m) => `${result.filePath}:${m.line}`),
  );
}
