import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { z } from 'zod';
import { IndexCoding } from '../../kernels';
import {
  DEFAULT_SIMULATION,
  type RoundReport,
  runSimulation,
  type SimulationOptions,
} from '../../model/simulation';

const optionsSchema = z.object({
  peers: z.coerce.number().int().min(1).max(64),
  rounds: z.coerce.number().int().min(1).max(10_000),
  seed: z.coerce.number().int().min(0),
  innerSteps: z.coerce.number().int().min(1),
  outerLr: z.coerce.number().positive(),
  chunk: z.coerce.number().int(),
  k: z.coerce.number().int(),
  indexCoding: z.enum(['packed', 'rice']),
  poisoner: z.union([z.literal(true), z.enum(['sign-flip', 'scale'])]).optional(),
  freeRider: z.union([z.literal(true), z.enum(['zero', 'random'])]).optional(),
  copier: z.union([z.literal(true), z.enum(['exact', 'perturbed'])]).optional(),
  device: z.enum(['cpu', 'cuda']),
  progress: z.boolean(),
});

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description(
      'offline SparseLoCo training on the Brown corpus: peers, scoring, aggregation (no Lightning, no Temporal)',
    )
    .option('--peers <n>', 'honest peers', String(DEFAULT_SIMULATION.peers))
    .option('--rounds <n>', 'outer rounds', String(DEFAULT_SIMULATION.rounds))
    .option('--seed <n>', 'seed for weights, batches and adversaries', String(DEFAULT_SIMULATION.seed))
    .option(
      '--inner-steps <n>',
      'AdamW steps per peer per round (H)',
      String(DEFAULT_SIMULATION.training.steps),
    )
    .option('--outer-lr <x>', 'outer learning rate', String(DEFAULT_SIMULATION.outerLearningRate))
    .option('--chunk <n>', 'SparseLoCo chunk size', String(DEFAULT_SIMULATION.compression.chunkSize))
    .option('--k <n>', 'entries kept per chunk', String(DEFAULT_SIMULATION.compression.k))
    .option('--index-coding <coding>', 'packed | rice', 'rice')
    .option('--poisoner [mode]', 'add a peer sending a sign-flip (default) or scaled update')
    .option('--free-rider [mode]', 'add a peer sending a zero (default) or random update')
    .option(
      '--copier [mode]',
      'add a peer resubmitting another peer’s payload: exact (default) or with perturbed scales',
    )
    .option('--device <device>', 'scoring execution provider: cpu | cuda', 'cpu')
    .option('--no-progress', 'hide the training progress bar')
    .action(async (raw: unknown) => {
      const parsed = optionsSchema.parse(raw);
      const options: SimulationOptions = {
        ...DEFAULT_SIMULATION,
        peers: parsed.peers,
        rounds: parsed.rounds,
        seed: parsed.seed,
        poisoner: parsed.poisoner === true ? 'sign-flip' : parsed.poisoner,
        freeRider: parsed.freeRider === true ? 'zero' : parsed.freeRider,
        copier: parsed.copier === true ? 'exact' : parsed.copier,
        compression: { chunkSize: parsed.chunk, k: parsed.k },
        indexCoding: parsed.indexCoding === 'rice' ? IndexCoding.RiceGaps : IndexCoding.Packed,
        training: { ...DEFAULT_SIMULATION.training, steps: parsed.innerSteps },
        outerLearningRate: parsed.outerLr,
        executionProvider: parsed.device,
      };
      await simulate(options, parsed.progress);
    });
}

async function simulate(options: SimulationOptions, progress: boolean): Promise<void> {
  const stepsPerRound = (options.peers + (options.poisoner ? 1 : 0)) * options.training.steps;
  const bar = progress
    ? new SingleBar({ format: 'round {round} training [{bar}] {value}/{total} steps', clearOnComplete: true })
    : undefined;
  let round = 1;
  bar?.start(stepsPerRound, 0, { round });
  const started = performance.now();
  const report = await runSimulation(options, {
    onTrainingStep: () => bar?.increment(),
    onRound: (result) => {
      bar?.stop();
      if (result.round === 1) printHeader();
      console.log(formatRound(result));
      round = result.round + 1;
      if (round <= options.rounds) bar?.start(stepsPerRound, 0, { round });
    },
  });
  bar?.stop();
  const seconds = (performance.now() - started) / 1000;
  const submitted = report.rounds.reduce((total, r) => total + r.submissions.length, 0);
  const accepted = report.rounds.reduce((total, r) => total + r.accepted, 0);
  const honest = report.rounds.flatMap((r) => r.submissions.filter((s) => s.role === 'honest'));
  const adversarial = report.rounds.flatMap((r) => r.submissions.filter((s) => s.role !== 'honest'));
  const last = report.rounds[report.rounds.length - 1]!;
  console.log('');
  console.log(`parameters             ${report.parameters}`);
  console.log(
    `held-out loss          ${report.initialHeldOutLoss.toFixed(4)} → ${last.heldOutLoss.toFixed(4)} nats/byte`,
  );
  console.log(`accepted               ${accepted}/${submitted} submissions`);
  console.log(`honest accepted        ${honest.filter((s) => s.verdict.accepted).length}/${honest.length}`);
  console.log(
    `adversaries rejected   ${adversarial.filter((s) => !s.verdict.accepted).length}/${adversarial.length}`,
  );
  console.log(`bytes on the wire      ${report.rounds.reduce((total, r) => total + r.wireBytes, 0)}`);
  console.log(`total time             ${seconds.toFixed(1)} s`);
}

function printHeader(): void {
  console.log('round  accepted  ratio   wire bytes  time (s)  held-out loss  rejected');
}

function formatRound(round: RoundReport): string {
  const rejected = round.submissions
    .filter((s) => !s.verdict.accepted)
    .map((s) => `${s.submissionId}:${s.verdict.reason}${s.verdict.copyOf ? `(${s.verdict.copyOf})` : ''}`)
    .join(' ');
  return [
    String(round.round).padStart(5),
    `${round.accepted}/${round.submissions.length}`.padStart(9),
    `${round.compressionRatio.toFixed(1)}x`.padStart(7),
    String(round.wireBytes).padStart(12),
    round.seconds.toFixed(2).padStart(9),
    round.heldOutLoss.toFixed(4).padStart(14),
    ` ${rejected || '-'}`,
  ].join(' ');
}
