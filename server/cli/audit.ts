import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { Command } from 'commander';
import { lnServiceClient } from '../../activities/lightning/ln-service-client';
import { auditBounty } from '../audit/bounty-audit';
import type { AuditFinding } from '../audit/findings';
import { auditTrainingRun } from '../audit/training-audit';
import { bountiesDir } from '../coordinator/bounty-settings';
import { loadCoordinatorConfig } from '../coordinator/config';
import { readLndCredentials } from '../coordinator/control-worker';
import { loadSecrets } from '../coordinator/secrets';
import { temporalClient } from '../coordinator/temporal';
import { lazyTrainingScorer, scoringProvider } from '../coordinator/training-scorer';
import { loadTrainingConfig } from '../coordinator/training-settings';
import { openDatabase } from '../../db/client';
import { connectLnd } from '../../dev/stack/lnd';
import { createEncryptionCodec } from '../../temporal-config/codec';

function printFindings(findings: AuditFinding[]): void {
  for (const finding of findings) {
    console.log(
      `${finding.code} round ${finding.round ?? '-'} submission ${finding.submissionId ?? '-'}: ${finding.problem}`,
    );
  }
  if (findings.length > 0) process.exitCode = 1;
}

export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description(
      'replay a training run or a bounty, re-score or re-run every submission and check every sat against the ledger and LND; exit 1 on any finding',
    )
    .option('--run <id>', 'the run to audit (default: the configured run)')
    .option('--bounty <id>', 'audit this bounty instead of a run')
    .action(async (options: { run?: string; bounty?: string }) => {
      if (options.run !== undefined && options.bounty !== undefined) {
        console.error('AUDIT_TARGET_AMBIGUOUS: give --run or --bounty, not both');
        process.exitCode = 2;
        return;
      }
      // The replayer's workers log their start and stop at INFO; only problems belong in an audit's output.
      Runtime.install({ logger: new DefaultLogger('WARN') });
      const config = loadCoordinatorConfig();
      const secrets = loadSecrets(config.secretsFile);
      const db = await openDatabase(config.database);
      try {
        const deps = {
          client: await temporalClient(config.temporal.address, config.temporal.namespace, secrets),
          codec: createEncryptionCodec(secrets.codecKeys),
          prisma: db.prisma,
          lightning: lnServiceClient(connectLnd(readLndCredentials(config.lndCredentialsFile))),
        };
        if (options.bounty !== undefined) {
          const report = await auditBounty({ ...deps, bountiesDir: bountiesDir() }, options.bounty);
          console.log(
            `bounty ${report.bountyId}: ${report.replayed} histories replayed, ${report.submissions} submissions, ${report.evalsRerun} evals run again`,
          );
          if (report.books) {
            const { funded, paid, refunded, fees, pool, forfeits } = report.books;
            console.log(
              `books: funded ${funded} = paid ${paid} + refunded ${refunded} + fees ${fees} + pool ${pool}; stakes forfeited ${forfeits}`,
            );
          }
          printFindings(report.findings);
          return;
        }
        const runId = options.run ?? loadTrainingConfig().runId;
        const report = await auditTrainingRun(
          { ...deps, scorer: lazyTrainingScorer(scoringProvider()) },
          runId,
        );
        console.log(
          `run ${runId}: ${report.runExecutions} executions, ${report.replayed} histories replayed`,
        );
        for (const round of report.rounds) {
          const verdict = round.findings.length === 0 ? 'ok' : `${round.findings.length} finding(s)`;
          console.log(
            `round ${round.round}: ${round.accepted}/${round.submissions} accepted, ${round.paidSats} sats paid — ${verdict}`,
          );
        }
        if (report.node)
          console.log(
            `LND ${report.node.after.toISOString()}..${report.node.before.toISOString()}: ${report.node.known} of this run, ${report.node.fees} access fees, ${report.node.other} of other workflows`,
          );
        printFindings(report.findings);
      } finally {
        await db.close();
      }
    });
}
