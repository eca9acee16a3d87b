import type { AuthenticatedLnd } from 'ln-service';
import { ServerAnswerError } from '../l402-client';
import { requestJson, sendJson } from '../http-json';
import type { EscrowStatus } from '../../workflows/definitions';
import type { RevealedPreimage } from './escrow-client';
import { escrowEarner } from './escrow-client';

export interface EscrowView extends EscrowStatus {
  escrowId: string;
  preimages: (RevealedPreimage & { tranche: number })[];
}

export interface FollowEscrowOptions {
  apiUrl: string;
  escrowId: string;
  lnd: AuthenticatedLnd;
  /** Final CLTV delta of the earner's hold invoices; must not exceed what the coordinator publishes. */
  cltvDelta: number;
  pollMs?: number;
  /** How long the escrow may take to appear (it starts after the submission's pre-checks). */
  startWithinMs?: number;
  onPhase?: (view: EscrowView) => void;
}

export interface FollowedEscrow {
  revealed: number;
  earnedSats: number;
  phase: EscrowStatus['phase'];
}

const FINISHED: EscrowStatus['phase'][] = ['released', 'completed', 'expired', 'invalid-invoices', 'refused'];

/**
 * The earner's whole side of a reward escrow over the coordinator's API: hold invoices on its own node for the
 * escrow's hashes, handed in; then, once decided, settle the revealed tranches and cancel the rest.
 */
export async function followEscrow(options: FollowEscrowOptions): Promise<FollowedEscrow> {
  const url = `${options.apiUrl}/escrows/${options.escrowId}`;
  const pollMs = options.pollMs ?? 250;
  const earner = escrowEarner(options.lnd);
  const wait = () => new Promise((resolve) => setTimeout(resolve, pollMs));

  // The escrow starts once the submission passed its pre-checks: until then it is not found.
  const startBy = Date.now() + (options.startWithinMs ?? 120_000);
  let view: EscrowView | null = null;
  while (!view || (view.paymentHashes.length === 0 && !FINISHED.includes(view.phase))) {
    view = await requestJson<EscrowView>(url).catch((err: unknown) => {
      if (err instanceof ServerAnswerError && err.status === 404 && Date.now() < startBy) return null;
      throw err;
    });
    if (!view || view.paymentHashes.length === 0) await wait();
  }
  // Refused before any hash was handed out (the earner is over its caps or penalized): nothing to invoice.
  if (view.paymentHashes.length === 0) return { revealed: 0, phase: view.phase, earnedSats: 0 };
  const invoices = await earner.createInvoices(view.paymentHashes, view.trancheSats, {
    cltvDelta: options.cltvDelta,
    expiresInSeconds: 3_600,
  });
  await sendJson(`${url}/invoices`, 'POST', { invoices });
  let phase = view.phase;
  while (!FINISHED.includes(view.phase)) {
    await wait();
    // A 503 (the coordinator's Temporal briefly busy) is worth another poll; anything else is not.
    view = await requestJson<EscrowView>(url).catch((err: unknown) => {
      if (err instanceof ServerAnswerError && err.status === 503) return view as EscrowView;
      throw err;
    });
    if (view.phase !== phase) options.onPhase?.(view);
    phase = view.phase;
  }
  await earner.resolve(view.paymentHashes, view.preimages);
  const revealed = view.revealed ?? 0;
  return {
    revealed,
    phase: view.phase,
    earnedSats: view.trancheSats.slice(0, revealed).reduce((total, sats) => total + sats, 0),
  };
}
