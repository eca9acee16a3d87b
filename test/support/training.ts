import { DEFAULT_DECISION_RULE } from '../../model/decide';
import type { RoundSettings } from '../../workflows/training-definitions';

export function roundSettings(peers: string[]): RoundSettings {
  return {
    peers,
    submitWithinSeconds: 120,
    scoreWithinSeconds: 120,
    payout: { kind: 'linear-capped', capSats: 3_000, rateSatsPerUnit: 20_000, trancheCount: 3 },
    decision: DEFAULT_DECISION_RULE,
    outerLearningRate: 2,
    maxPayloadBytes: 200_000,
    escrow: {
      invoiceWithinSeconds: 60,
      decideWithinSeconds: 300,
      maxInvoiceCltvDelta: 80,
      routingCltvBlocks: 40,
      fees: { ppm: 1_000, baseSats: 1, maxSats: 100 },
    },
  };
}
