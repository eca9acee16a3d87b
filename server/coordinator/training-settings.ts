import { z } from 'zod';
import { DEFAULT_WIRE_SETTINGS } from '../../kernels/wire-parameters';
import { DEFAULT_DECISION_RULE } from '../../domain/training/decide';
import { loadEarnerLiquidity } from './earner-liquidity-settings';
import type { CheckpointAccess } from '../../api/training/routes';
import type { RoundSettings } from '../../workflows/training-definitions';

const TrainingEnv = z.object({
  L402_TRAINING_RUN: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,63}$/)
    .default('dev-run'),
  L402_TRAINING_PEERS: z.string().default('alice,bob,mallory'),
  L402_ROUND_SECONDS: z.coerce.number().int().min(5).max(86_400).default(120),
  /** Sats each submission stakes in a hold invoice; 0: no stake. */
  L402_TRAINING_STAKE_SATS: z.coerce.number().int().min(0).max(1_000_000).default(0),
  /** Price of `GET /checkpoint` (an L402 access fee); 0: a free read. */
  L402_CHECKPOINT_PRICE_SATS: z.coerce.number().int().min(0).max(1_000_000).default(0),
  /** How long a paid checkpoint token keeps reading the checkpoint. */
  L402_CHECKPOINT_TOKEN_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(30 * 86_400)
    .default(3_600),
});

export interface TrainingConfig {
  /** The run this coordinator serves on the published training paths. */
  runId: string;
  settings: RoundSettings;
  /** Default: a free read. */
  checkpointAccess?: CheckpointAccess;
}

/** The training run served by this coordinator and its round settings, from the environment. */
export function loadTrainingConfig(env: NodeJS.ProcessEnv = process.env): TrainingConfig {
  const parsed = TrainingEnv.parse(env);
  return {
    runId: parsed.L402_TRAINING_RUN,
    settings: {
      peers: parsed.L402_TRAINING_PEERS.split(',').map((peer) => peer.trim()),
      submitWithinSeconds: parsed.L402_ROUND_SECONDS,
      scoreWithinSeconds: parsed.L402_ROUND_SECONDS,
      payout: { kind: 'linear-capped', capSats: 3_000, rateSatsPerUnit: 20_000, trancheCount: 3 },
      decision: DEFAULT_DECISION_RULE,
      outerLearningRate: 2,
      maxPayloadBytes: 200_000,
      compression: DEFAULT_WIRE_SETTINGS,
      stakeSats: parsed.L402_TRAINING_STAKE_SATS,
      escrow: {
        invoiceWithinSeconds: 120,
        decideWithinSeconds: 600,
        maxInvoiceCltvDelta: 80,
        routingCltvBlocks: 40,
        fees: { ppm: 1_000, baseSats: 1, maxSats: 100 },
        liquidity: loadEarnerLiquidity(env),
      },
    },
    checkpointAccess: {
      priceSats: parsed.L402_CHECKPOINT_PRICE_SATS,
      tokenSeconds: parsed.L402_CHECKPOINT_TOKEN_SECONDS,
    },
  };
}
