import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { payViaPaymentRequest } from 'ln-service';
import { lnServiceClient } from '../../../activities/lightning/ln-service-client';
import { applyDiff } from '../../../domain/bounty';
import { evaluateSplit, loadBountyBundle } from '../../../activities/sandbox';
import { auditBounty } from '../../../server/audit/bounty-audit';
import { sha256Hex } from '../../../db/blobs';
import { canonicalJson } from '../../../domain/canonical-json';
import type { HistorySource } from '../../../server/audit/histories';
import { temporalHistories } from '../../../server/audit/histories';
import { submitToBounty } from '../../../clients/earner/bounty-client';
import { createEncryptionCodec } from '../../../temporal-config/codec';
import { bountyWorkflowId } from '../../../workflows/definitions';
import type { BountyTurn } from '../../../workflows/submission-definitions';
import { credentialsPath } from '../../../dev/stack/lnd';
import { testLnd } from '../../support/lightning';
import { admittedWorkflows } from '../../support/submissions';
import { testStackConfig } from '../../support/stack-config';
import { eventually } from '../../support/workflows';
import type { BountyTestApi } from '../bounties/support';
import { exampleBountyBody, request, startBountyApi } from '../bounties/support';
import { alterSignalInput, tamperedHistories } from './support';

const bountiesDir = join(__dirname, '../../../bounties');
const sample = (name: string) =>
  readFileSync(join(bountiesDir, 'example-sort/samples', `${name}.diff`), 'utf8');
const BUDGET = 10_000;
const STAKE = 100;
const RULE = { kind: 'linear-capped', capSats: 2_000, rateSatsPerUnit: 2_000, trancheCount: 4 } as const;
const IMPROVED_PUBLIC = 1.049294;
// Held-out improvement 0.764061 earns floor(1528.12) = 1528: 3 whole tranches of 500.
const PAYOUT = 1_500;

let api: BountyTestApi;
let bountyId: string;
const submissions: Record<'improved' | 'overfit', string> = { improved: '', overfit: '' };

const audit = (options: { dir?: string; histories?: (source: HistorySource) => HistorySource } = {}) => {
  const source = temporalHistories(api.harness.client);
  return auditBounty(
    {
      client: api.harness.client,
      codec: createEncryptionCodec(api.harness.secrets.codecKeys),
      prisma: api.harness.db.prisma,
      lightning: lnServiceClient(testLnd('coordinator')),
      bountiesDir: options.dir ?? bountiesDir,
      histories: options.histories ? options.histories(source) : source,
    },
    bountyId,
  );
};
const codes = async (options: Parameters<typeof audit>[0]) =>
  new Set((await audit(options)).findings.map((finding) => finding.code));

beforeAll(async () => {
  api = await startBountyApi();
  const sponsor = testLnd('sponsor');
  const created = await request(api.apiUrl, '/bounties', {
    body: await exampleBountyBody(sponsor, {
      budgetSats: BUDGET,
      payoutRule: RULE,
      stakeSats: STAKE,
      baselineFeeSats: 10,
    }),
  });
  const body = created.body as { bountyId: string; fundingInvoice: string; closeToken: string };
  bountyId = body.bountyId;
  await payViaPaymentRequest({ lnd: sponsor, request: body.fundingInvoice });
  await eventually(
    'the bounty to open',
    async () => ((await request(api.apiUrl, `/bounties/${bountyId}`)).body.phase === 'OPEN' ? true : null),
    60_000,
  );
  const bundle = await loadBountyBundle(join(bountiesDir, 'example-sort'));
  const [overfitPublic] = await evaluateSplit(
    bundle,
    applyDiff(bundle.baselineFiles, sample('overfit-public'), bundle.manifest),
    'public',
    1,
  );
  const submit = (lnd: ReturnType<typeof testLnd>, diff: string, claimedScore: number) =>
    submitToBounty({ apiUrl: api.apiUrl, bountyId, lnd, diff, claimedScore, pollMs: 200 });
  // One at a time, so the overfit is judged against the baseline: its canary fails and its stake is forfeited.
  const overfit = await submit(
    testLnd('peer3'),
    sample('overfit-public'),
    overfitPublic?.kind === 'score' ? overfitPublic.score : NaN,
  );
  const improved = await submit(testLnd('peer2'), sample('improvement'), IMPROVED_PUBLIC);
  expect([overfit.submission.reason, improved.submission.payoutSats]).toEqual(['CANARY_FAILED', PAYOUT]);
  submissions.improved = improved.submissionId;
  submissions.overfit = overfit.submissionId;
  await request(api.apiUrl, `/bounties/${bountyId}/close`, { body: { closeToken: body.closeToken } });
  await api.harness.client.workflow.getHandle(bountyWorkflowId(bountyId)).result();
}, 300_000);

afterAll(async () => {
  await api?.stop();
});

describe('l402-train audit --bounty', () => {
  it('finds nothing in a clean bounty: histories replayed, evals re-run in the sandbox, the books balance', async () => {
    const report = await audit();
    expect(report.findings).toEqual([]);
    expect(report.submissions).toBe(2);
    // Per submission: public runs, canaries; the held-out runs only for the one the canary did not stop.
    expect(report.evalsRerun).toBe(5);
    expect(report.books).toEqual({
      funded: BUDGET,
      paid: PAYOUT,
      refunded: BUDGET - PAYOUT,
      fees: 0,
      pool: 0,
      forfeits: STAKE,
    });
    // The bounty, 2 submissions (each holding its stake), 2 escrows.
    expect(report.replayed).toBe(5);
  });

  it('AUDIT_EVAL_MISMATCH: the held-out split on disk is not the one the evals ran on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-bounties-'));
    try {
      cpSync(join(bountiesDir, 'example-sort'), join(dir, 'example-sort'), { recursive: true });
      const cases = join(dir, 'example-sort/splits/held-out/cases.txt');
      writeFileSync(cases, readFileSync(cases, 'utf8').split('\n').slice(1).join('\n'));
      const report = await audit({ dir });
      expect(report.findings).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ code: 'AUDIT_EVAL_MISMATCH', submissionId: submissions.improved }),
        ]),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('AUDIT_VERDICT_MISMATCH: a recorded payout rule that would reveal other tranches', async () => {
    const codec = createEncryptionCodec(api.harness.secrets.codecKeys);
    const improved = (await admittedWorkflows(api.harness.client, codec, bountyWorkflowId(bountyId))).get(
      submissions.improved,
    )!;
    const found = await codes({
      histories: (source) =>
        tamperedHistories(
          source,
          improved,
          alterSignalInput<BountyTurn>(codec, 'turn', (turn) => ({
            ...turn,
            payoutRule: { ...turn.payoutRule, rateSatsPerUnit: 1_000 },
          })),
        ),
    });
    expect(found).toContain('AUDIT_VERDICT_MISMATCH');
  });

  /** Overwrites the blob stored under `sha256` for one audit, then puts it back. */
  const alteringBlob = async (sha256: string, bytes: Buffer) => {
    const stored = await api.harness.db.prisma.blob.findUniqueOrThrow({ where: { sha256 } });
    await api.harness.db.prisma.blob.update({ where: { sha256 }, data: { bytes: new Uint8Array(bytes) } });
    try {
      return await codes({});
    } finally {
      await api.harness.db.prisma.blob.update({ where: { sha256 }, data: { bytes: stored.bytes } });
    }
  };

  it('AUDIT_DIFF_ALTERED: a stored diff that no longer hashes to the one history recorded', async () => {
    const sha256 = sha256Hex(Buffer.from(sample('improvement'), 'utf8'));
    expect(await alteringBlob(sha256, Buffer.from(sample('no-improvement'), 'utf8'))).toContain(
      'AUDIT_DIFF_ALTERED',
    );
  });

  it('AUDIT_BASELINE_ALTERED: a stored baseline that no longer hashes to the one history recorded', async () => {
    const { baselineFiles } = await loadBountyBundle(join(bountiesDir, 'example-sort'));
    const sha256 = sha256Hex(Buffer.from(canonicalJson(baselineFiles), 'utf8'));
    const altered = { ...baselineFiles, 'sort.js': `${baselineFiles['sort.js']}\n// altered\n` };
    expect(await alteringBlob(sha256, Buffer.from(canonicalJson(altered), 'utf8'))).toContain(
      'AUDIT_BASELINE_ALTERED',
    );
  });

  it('AUDIT_BOOKS_UNBALANCED and AUDIT_REFUND_MISMATCH: a refund row that says less went back', async () => {
    const refund = await api.harness.db.prisma.ledgerEntry.findFirstOrThrow({
      where: { workflowId: bountyWorkflowId(bountyId), purpose: 'REFUND', state: 'SETTLED' },
    });
    await api.harness.db.prisma.ledgerEntry.update({
      where: { id: refund.id },
      data: { amountSats: refund.amountSats - 100n },
    });
    try {
      const found = await codes({});
      expect(found).toEqual(new Set(['AUDIT_BOOKS_UNBALANCED', 'AUDIT_REFUND_MISMATCH']));
    } finally {
      await api.harness.db.prisma.ledgerEntry.update({
        where: { id: refund.id },
        data: { amountSats: refund.amountSats },
      });
    }
  });

  it('l402-train audit --bounty prints the books and exits 0, then prints each finding code and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-cli-'));
    const secretsFile = join(dir, 'secrets.json');
    const { preimageSecret, codecKeys } = api.harness.secrets;
    writeFileSync(
      secretsFile,
      JSON.stringify({ preimageSecret: preimageSecret.toString('hex'), codec: codecKeys }),
    );
    const cli = () =>
      promisify(execFile)(
        process.execPath,
        [join(__dirname, '../../../bin/l402-train.js'), 'audit', '--bounty', bountyId],
        {
          env: {
            ...process.env,
            TEMPORAL_ADDRESS: api.harness.env.address,
            DATABASE_URL: api.harness.db.url,
            L402_LND_CREDENTIALS: credentialsPath(testStackConfig(), 'coordinator'),
            L402_SECRETS_FILE: secretsFile,
          },
        },
      ).then(
        ({ stdout }) => ({ code: 0, stdout }),
        (err: { code: number; stdout: string }) => ({ code: err.code, stdout: err.stdout }),
      );
    const refund = await api.harness.db.prisma.ledgerEntry.findFirstOrThrow({
      where: { workflowId: bountyWorkflowId(bountyId), purpose: 'REFUND', state: 'SETTLED' },
    });
    try {
      const clean = await cli();
      expect(clean).toEqual({
        code: 0,
        stdout: expect.stringContaining(`books: funded ${BUDGET} = paid ${PAYOUT}`),
      });
      await api.harness.db.prisma.ledgerEntry.update({
        where: { id: refund.id },
        data: { amountSats: refund.amountSats - 100n },
      });
      const tampered = await cli();
      expect(tampered.code).toBe(1);
      expect(tampered.stdout).toMatch(/^AUDIT_REFUND_MISMATCH /m);
      expect(tampered.stdout).toMatch(/^AUDIT_BOOKS_UNBALANCED /m);
    } finally {
      await api.harness.db.prisma.ledgerEntry.update({
        where: { id: refund.id },
        data: { amountSats: refund.amountSats },
      });
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
