import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { DEFAULT_INNER_TRAINING } from '../../model/trainer';
import { checkpointReader, playRound } from '../../clients/peer/client';
import { threadedReferenceTrainer } from '../../clients/peer/trainer-thread';
import { loadStackConfig, stackPorts } from '../../dev/stack/config';
import { connectLnd, readCredentials } from '../../dev/stack/lnd';

interface PeerOptions {
  id: string;
  node: string;
  api?: string;
  rounds: string;
  shard: string;
  shards: string;
  poison?: boolean;
  progress: boolean;
}

export function registerPeer(program: Command): void {
  program
    .command('peer')
    .description(
      'train with the reference trainer and submit each round, paid through escrow on your own LND',
    )
    .requiredOption('--id <peerId>', 'your peer id, as registered for the run')
    .option('--node <name>', 'your LND node in the local stack (its credentials.json)', 'peer')
    .option('--api <url>', 'the coordinator API (default: the local stack)')
    .option('--rounds <n>', 'rounds to play', '3')
    .option('--shard <i>', 'which shard of the training split to train on', '0')
    .option('--shards <n>', 'how many shards the split is cut into', '3')
    .option('--poison', 'submit sign-flipped updates (to watch the coordinator reject them)')
    .option('--no-progress', 'no progress bar')
    .action(async (options: PeerOptions) => {
      const stack = loadStackConfig();
      const apiUrl = options.api ?? `http://${stack.host}:${stackPorts(stack).api}`;
      const lnd = connectLnd(readCredentials(stack, options.node));
      const bar = options.progress
        ? new SingleBar({ format: `${options.id} round {round} [{bar}] {value}/{total} steps, loss {loss}` })
        : null;
      const trainer = threadedReferenceTrainer({
        shard: Number(options.shard),
        shards: Number(options.shards),
        poison: options.poison === true,
        onStep: (_step, loss) => bar?.increment({ loss: loss.toFixed(3) }),
      });
      const train = async (weights: Float32Array, round: number) => {
        bar?.start(DEFAULT_INNER_TRAINING.steps, 0, { round, loss: '-' });
        const payload = await trainer.train(weights, round);
        bar?.stop();
        return payload;
      };
      const readCheckpoint = checkpointReader(apiUrl, lnd);
      let last = -1;
      try {
        for (let played = 0; played < Number(options.rounds); played++) {
          const result = await playRound(
            { apiUrl, peerId: options.id, lnd, cltvDelta: 60, train, readCheckpoint },
            last,
          );
          last = result.round;
          console.log(
            `${options.id} round ${result.round}: ${result.revealed} tranche(s) revealed, earned ${result.earnedSats} sats (${result.phase})`,
          );
        }
      } finally {
        await trainer.close();
      }
    });
}
