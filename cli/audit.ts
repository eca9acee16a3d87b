import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { Command } from 'commander';
import { lnServiceClient } from '../activities/lightning/ln-service-client';
import { auditTrainingRun } from '../audit/training-audit';
import { loadCoordinatorConfig } from '../coordinator/config';
import { readLndCredentials } from '../coordinator/control-worker';
import { loadSecrets } from '../coordinator/secrets';
import { temporalClient } from '../coordinator/temporal';
import { lazyTrainingScorer, scoringProvider } from '../coordinator/training-scorer';
import { loadTrainingConfig } from '../coordinator/training-settings';
import { openDatabase } from '../db/client';
import { connectLnd } from '../stack/lnd';
import { createEncryptionCodec } from '../temporal-config/codec';

export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description(
      'replay a training run, re-score every submission and check every payout; exit 1 on any mismatch',
    )
    .option('--run <id>', 'the run to audit (default: the configured run)')
    .action(async (options: { run?: string }) => {
      // The replayer's workers log their start and stop at INFO; only problems belong in an audit's output.
      Runtime.install({ logger: new DefaultLogger('WARN') });
      const config = loadCoordinatorConfig();
      const runId = options.run ?? loadTrainingConfig().runId;
      const secrets = loadSecrets(config.secretsFile);
      const db = await openDatabase(config.database);
      try {
        const report = await auditTrainingRun(
          {
            client: await temporalClient(config.temporal.address, config.temporal.namespace, secrets),
            codec: createEncryptionCodec(secrets.codecKeys),
            prisma: db.prisma,
            lightning: lnServiceClient(connectLnd(readLndCredentials(config.lndCredentialsFile))),
            scorer: lazyTrainingScorer(scoringProvider()),
          },
          runId,
        );
        console.log(`run ${runId}: ${report.replayed} histories replayed`);
        for (const round of report.rounds) {
          const verdict = round.findings.length === 0 ? 'ok' : `${round.findings.length} mismatch(es)`;
          console.log(
            `round ${round.round}: ${round.accepted}/${round.submissions} accepted, ${round.paidSats} sats paid — ${verdict}`,
          );
        }
        for (const finding of report.findings) {
          console.log(
            `MISMATCH round ${finding.round ?? '-'} submission ${finding.submissionId ?? '-'}: ${finding.problem}`,
          );
        }
        if (report.findings.length > 0) process.exitCode = 1;
      } finally {
        await db.close();
      }
    });
}
